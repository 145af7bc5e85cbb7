/**
 * The membership part of the cluster document: a join adds a member or
 * refreshes one (a restarted box keeps its membership and its joining time;
 * one that had left joins anew), a join that changes nothing is recognised,
 * transitions record when a member was last heard, and the event stream is
 * told exactly what changed. Boundaries of the failure detector included.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyDocument } from '../../../../src/adapters/lowdb-store.js';
import {
  DEFAULT_FAILURE_DETECTOR,
  expiredMembers,
  liveness,
  memberTransitions,
} from '../../../../src/domain/membership/failure-detector.js';
import {
  aliveMembers,
  isCurrentMember,
  staleInventories,
  withMember,
  withTransitions,
} from '../../../../src/domain/membership/member-changes.js';
import { memberChanges } from '../../../../src/domain/membership/member-diff.js';
import type { ClusterDocument, Member, NodeInventory } from '../../../../src/domain/types.js';

const inv = (id: string, cpus = 4): NodeInventory => ({ id, cpus, memoryMB: 8192, accelerators: [] });
const member = (id: string, state: Member['state'], extra: Partial<Member> = {}): Member => ({
  id,
  address: `${id}:7878`,
  joinedAt: 10,
  lastSeen: 20,
  state,
  ...extra,
});
const doc = (members: Member[]): ClusterDocument => ({ ...emptyDocument('t'), members });

test('a new member joins alive, timed from now, and the members stay in id order', () => {
  const d = withMember(doc([member('c', 'alive'), member('a', 'alive')]), { id: 'b', address: 'b:1' }, 500);
  assert.deepEqual(
    d.members.map((m) => m.id),
    ['a', 'b', 'c'],
  );
  assert.deepEqual(d.members[1], { id: 'b', address: 'b:1', joinedAt: 500, lastSeen: 500, state: 'alive' });
});

test('a member that joins again keeps its joining time and inventory; one that had left joins anew', () => {
  const d = doc([member('a', 'dead', { inventory: inv('a') }), member('b', 'left')]);
  const again = withMember(d, { id: 'a', address: 'a:2' }, 900);
  assert.deepEqual(again.members, [
    { id: 'a', address: 'a:2', joinedAt: 10, lastSeen: 900, state: 'alive', inventory: inv('a') },
    member('b', 'left'),
  ]);
  const newer = withMember(d, { id: 'a', address: 'a:2', inventory: inv('a', 8) }, 900);
  assert.deepEqual(newer.members[0]!.inventory, inv('a', 8), 'a reported inventory replaces the stored one');
  const back = withMember(d, { id: 'b', address: 'b:9' }, 900);
  assert.deepEqual(back.members[1], { id: 'b', address: 'b:9', joinedAt: 900, lastSeen: 900, state: 'alive' });
  assert.equal(back.members.length, 2, 'never listed twice');
});

test('a join changes nothing only for an alive member at the same address with the same inventory', () => {
  const d = doc([member('a', 'alive', { inventory: inv('a') }), member('s', 'suspect')]);
  assert.equal(isCurrentMember(d, { id: 'a', address: 'a:7878' }), true);
  assert.equal(isCurrentMember(d, { id: 'a', address: 'a:7878', inventory: inv('a') }), true);
  assert.equal(isCurrentMember(d, { id: 'a', address: 'a:7878', inventory: inv('a', 8) }), false);
  assert.equal(isCurrentMember(d, { id: 'a', address: 'a:1' }), false);
  assert.equal(isCurrentMember(d, { id: 's', address: 's:7878' }), false, 'a suspect member is refreshed');
  assert.equal(isCurrentMember(d, { id: 'x', address: 'x:7878' }), false);
  assert.equal(isCurrentMember(d, { id: 'x', address: 'a:7878' }), false, "another member's address is not this one");
});

test('alive members are the alive and the suspect ones', () => {
  const d = doc([member('a', 'alive'), member('b', 'suspect'), member('c', 'dead'), member('d', 'left')]);
  assert.deepEqual(
    aliveMembers(d).map((m) => m.id),
    ['a', 'b'],
  );
});

test('transitions record when a member was last heard; no transition is the same document', () => {
  const d = doc([member('a', 'alive'), member('b', 'alive'), member('c', 'dead')]);
  assert.equal(
    withTransitions(d, [], () => 1, 100),
    d,
  );
  const heard: Record<string, number> = { b: 70 };
  const t = withTransitions(
    d,
    [
      { id: 'a', from: 'alive', to: 'dead' },
      { id: 'b', from: 'alive', to: 'suspect' },
      { id: 'c', from: 'dead', to: 'alive' },
    ],
    (id) => heard[id],
    100,
  );
  assert.deepEqual(
    t.members.map((m) => [m.id, m.state, m.lastSeen]),
    [
      ['a', 'dead', 20],
      ['b', 'suspect', 70],
      ['c', 'alive', 100],
    ],
  );
});

test('the event stream is told each member added, removed or changed, and nothing else', () => {
  const before = [member('a', 'alive'), member('b', 'alive'), member('c', 'alive')];
  const after = [member('a', 'alive'), member('b', 'dead'), member('d', 'alive')];
  assert.deepEqual(memberChanges(before, after), [
    { id: 'b', from: 'alive', to: 'dead' },
    { id: 'd', to: 'alive' },
    { id: 'c', from: 'alive' },
  ]);
  assert.deepEqual(memberChanges(before, before), []);
});

test('the failure detector counts its thresholds inclusively, and a newcomer from its joining', () => {
  const cfg = { suspectAfterMs: 1500, deadAfterMs: 3000, expireAfterMs: 60_000 };
  assert.equal(liveness(1000, 2499, cfg), 'alive');
  assert.equal(liveness(1000, 2500, cfg), 'suspect');
  assert.equal(liveness(1000, 3999, cfg), 'suspect');
  assert.equal(liveness(1000, 4000, cfg), 'dead');
  const newcomer = member('n', 'alive', { joinedAt: 5000 });
  assert.deepEqual(
    memberTransitions([newcomer], 'l', () => undefined, 0, 6499, cfg),
    [],
    'timed from joining',
  );
  assert.deepEqual(
    memberTransitions([newcomer], 'l', () => undefined, 0, 8000, cfg),
    [{ id: 'n', from: 'alive', to: 'dead' }],
  );
  assert.deepEqual(
    memberTransitions([newcomer], 'l', () => undefined, 6000, 8000, cfg),
    [{ id: 'n', from: 'alive', to: 'suspect' }],
    'or from the leader taking office, when later',
  );
  const dead = [member('a', 'dead', { lastSeen: 1000 })];
  assert.deepEqual(expiredMembers(dead, 61_000, cfg), ['a'], 'dead for exactly memberExpiry');
  assert.deepEqual(expiredMembers(dead, 60_999, cfg), []);
  assert.deepEqual(expiredMembers(dead, 61_000, { ...cfg, expireAfterMs: -1 }), [], 'negative: never');
});

test('the documented defaults: suspect after 1.5 s, dead after 3 s, removed after 24 h dead (docs/design.md)', () => {
  assert.deepEqual(DEFAULT_FAILURE_DETECTOR, {
    suspectAfterMs: 1500,
    deadAfterMs: 3000,
    expireAfterMs: 86_400_000,
  });
});

test('stale inventories: only members that have not left and reported other hardware', () => {
  const d = doc([member('a', 'alive', { inventory: inv('a') }), member('b', 'alive'), member('c', 'left')]);
  const reported = new Map([
    ['a', inv('a', 8)],
    ['c', inv('c', 8)],
  ]);
  assert.deepEqual(staleInventories(d, reported), ['a'], 'b reported nothing: its inventory is not wiped');
});
