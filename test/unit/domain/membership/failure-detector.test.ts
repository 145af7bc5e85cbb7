/** The failure detector's rules: silence makes a member suspect, then dead; a newcomer is timed from its joining. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expiredMembers, liveness, memberTransitions } from '../../../../src/domain/membership/failure-detector.js';
import type { Member } from '../../../../src/domain/types.js';

const cfg = { suspectAfterMs: 1500, deadAfterMs: 3000, expireAfterMs: 60_000 };
const member = (id: string, state: Member['state'], joinedAt = 0, lastSeen = 0): Member => ({
  id,
  address: `${id}:7878`,
  joinedAt,
  lastSeen,
  state,
});

test('silence: alive, then suspect, then dead', () => {
  assert.equal(liveness(1000, 2000, cfg), 'alive');
  assert.equal(liveness(1000, 2500, cfg), 'suspect');
  assert.equal(liveness(1000, 4000, cfg), 'dead');
});

test('transitions: the leader is always alive, heard members stay alive, silent ones die, newcomers get grace', () => {
  const members = [
    member('l', 'alive'),
    member('a', 'alive'),
    member('b', 'alive'),
    member('new', 'alive', 9000),
    member('gone', 'left'),
  ];
  const heard: Record<string, number> = { a: 9500 };
  const t = memberTransitions(members, 'l', (id) => heard[id], 0, 10_000, cfg);
  assert.deepEqual(t, [{ id: 'b', from: 'alive', to: 'dead' }]);
  const back = memberTransitions([member('b', 'dead')], 'l', () => 9900, 0, 10_000, cfg);
  assert.deepEqual(back, [{ id: 'b', from: 'dead', to: 'alive' }]);
});

test('expiry: members dead for memberExpiry are dropped; 0 disables it', () => {
  const members = [member('a', 'dead', 0, 1000), member('b', 'dead', 0, 50_000), member('c', 'alive')];
  assert.deepEqual(expiredMembers(members, 70_000, cfg), ['a']);
  assert.deepEqual(expiredMembers(members, 70_000, { ...cfg, expireAfterMs: 0 }), []);
});
