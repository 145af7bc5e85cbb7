/** bench:testbed's load: the lowest scale where rim admits everything and another strategy cannot. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseScale } from '../../../bench/testbed/offline.js';

const v = (scale: number, rim: number, nexus: number, spread: number) => ({ scale, admitted: { rim, nexus, spread } });

test('the lowest scale where rim admits all and every other strategy does not', () => {
  const verdicts = [v(8, 3, 2, 2), v(6, 4, 3, 3), v(5, 4, 3, 4), v(4, 4, 4, 4), v(2, 4, 4, 4)];
  assert.equal(chooseScale(verdicts, 4)?.scale, 6);
  // bench:testbed's run of 2026-11-30 07:50: spread rejects from 1.25, nexus from 2.25.
  const run = [v(3, 4, 3, 2), v(2.25, 4, 3, 3), v(2, 4, 4, 3), v(1.25, 4, 4, 3), v(1, 4, 4, 4)];
  assert.equal(chooseScale(run, 4)?.scale, 2.25);
});

test('no scale where every other strategy admits fewer: the lowest where one of them does', () => {
  const verdicts = [v(8, 3, 2, 2), v(5, 4, 3, 4), v(4.5, 4, 4, 3), v(4, 4, 4, 4), v(2, 4, 4, 4)];
  assert.equal(chooseScale(verdicts, 4)?.scale, 4.5);
});

test('no scale tells them apart: the highest where rim admits all; none: undefined', () => {
  assert.equal(chooseScale([v(2, 4, 4, 4), v(4, 4, 4, 4), v(6, 3, 3, 3)], 4)?.scale, 4);
  assert.equal(chooseScale([v(6, 3, 3, 3)], 4), undefined);
});
