/**
 * Who votes: every member that has not left, dead ones included, until an
 * operator removes them. A dead member that lost its vote would let a
 * minority shrink the cluster and elect itself; one removed (or left) votes
 * no more.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyDocument } from '../../../../src/adapters/lowdb-store.js';
import { votersOf, withoutMember, withTransitions } from '../../../../src/domain/membership/member-changes.js';
import type { ClusterDocument, Member } from '../../../../src/domain/types.js';

const member = (id: string, state: Member['state']): Member => ({
  id,
  address: `${id}:7878`,
  joinedAt: 0,
  lastSeen: 0,
  state,
});
const doc = (members: Member[]): ClusterDocument => ({ ...emptyDocument('t'), members });

test('suspect and dead members keep their vote; members that left do not', () => {
  const d = doc([member('a', 'alive'), member('b', 'suspect'), member('c', 'dead'), member('d', 'left')]);
  assert.deepEqual(votersOf(d), ['a', 'b', 'c']);
});

test('a member the failure detector declares dead still votes until an operator removes it', () => {
  const d = doc([member('a', 'alive'), member('b', 'alive'), member('c', 'alive')]);
  const dead = withTransitions(d, [{ id: 'c', from: 'alive', to: 'dead' }], () => undefined, 1000);
  assert.equal(dead.members.find((m) => m.id === 'c')!.state, 'dead');
  assert.deepEqual(votersOf(dead), ['a', 'b', 'c'], 'two of three are still needed: a and b alone are a majority of 3');
  assert.deepEqual(votersOf(withoutMember(dead, 'c')), ['a', 'b'], 'removed: it votes no more');
});

test('voters are listed in id order whatever the order of the members (every node writes the same list)', () => {
  const d = doc([member('c', 'alive'), member('a', 'dead'), member('b', 'alive')]);
  assert.deepEqual(votersOf(d), ['a', 'b', 'c']);
});
