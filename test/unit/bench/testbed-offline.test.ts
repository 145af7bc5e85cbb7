/** bench:testbed's load: the lowest scale where rim admits everything and another strategy cannot. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseScale } from '../../../bench/testbed/offline.js';

const v = (scale: number, rim: number, nexus: number, spread: number) => ({ scale, admitted: { rim, nexus, spread } });

test('the lowest scale where rim admits all and another does not', () => {
  const verdicts = [v(8, 3, 2, 2), v(6, 4, 3, 3), v(5, 4, 3, 4), v(4, 4, 4, 4), v(2, 4, 4, 4)];
  assert.equal(chooseScale(verdicts, 4)?.scale, 5);
});

test('no scale tells them apart: the highest where rim admits all; none: undefined', () => {
  assert.equal(chooseScale([v(2, 4, 4, 4), v(4, 4, 4, 4), v(6, 3, 3, 3)], 4)?.scale, 4);
  assert.equal(chooseScale([v(6, 3, 3, 3)], 4), undefined);
});
