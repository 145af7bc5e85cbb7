/**
 * The unknown peer ids an address claims: one id (a retired member's own) is
 * never too many; a third within the window is; the window forgets; the
 * tables stay bounded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StrangerIds } from '../../../src/cluster/stranger-ids.js';

test('the same unknown id any number of times is not too many; a third distinct id is', () => {
  const s = new StrangerIds(() => 0, { maxIds: 2 });
  for (let i = 0; i < 20; i++) assert.equal(s.claim('10.0.0.1', 'retired'), false);
  assert.equal(s.claim('10.0.0.1', 'other'), false, 'two ids: a box whose node id changed');
  assert.equal(s.claim('10.0.0.1', 'third'), true);
  assert.equal(s.claim('10.0.0.1', 'retired'), true, 'the address stays flagged within the window');
  assert.equal(s.claim('10.0.0.2', 'third'), false, 'another address has its own count');
});

test('the window forgets an address’s claims', () => {
  let now = 0;
  const s = new StrangerIds(() => now, { maxIds: 1, windowMs: 1000 });
  s.claim('10.0.0.1', 'a');
  assert.equal(s.claim('10.0.0.1', 'b'), true);
  now += 1001;
  assert.equal(s.claim('10.0.0.1', 'c'), false, 'a new window');
});

test('addresses and ids are bounded', () => {
  let now = 0;
  const s = new StrangerIds(() => now, { maxIds: 2, maxAddresses: 10, windowMs: 1000 });
  for (let i = 0; i < 50; i++) for (let j = 0; j < 100; j++) s.claim(`10.0.1.${i}`, `id-${j}`);
  assert.equal(s.size, 10);
  assert.equal(s.claim('10.0.2.1', 'x'), false, 'past the table, a new address is not tracked');
  now += 1001;
  s.claim('10.0.2.1', 'x');
  s.claim('10.0.2.1', 'y');
  assert.equal(s.claim('10.0.2.1', 'z'), true, 'old entries made room');
  assert.ok(s.size <= 10);
});
