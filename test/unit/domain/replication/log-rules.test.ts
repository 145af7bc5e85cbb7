/**
 * The replicated log's pure rules (Raft with whole-document entries): what a
 * follower takes from the leader and commits on its word, what the leader
 * commits from its followers' acknowledgements, and what counts as one voter
 * change. Each is the rule a mutation of src/domain/replication left unguarded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSingleVoterChange, majorityIndex, sameRef } from '../../../../src/domain/replication/entry.js';
import {
  acceptFromLeader,
  commitUpTo,
  FOLLOWER_PENDING_LIMIT,
  leaderCommit,
  type LogState,
} from '../../../../src/domain/replication/log-state.js';

const e = (term: number, index: number) => ({ term, index, voters: ['a', 'b', 'c'], data: [index] });
const refs = (log: LogState<number[]>) => ({
  committed: log.committed && [log.committed.term, log.committed.index],
  pending: log.pending.map((p) => [p.term, p.index]),
});

test('a follower takes only entries of the term it follows, never at or below its committed entry', () => {
  const log: LogState<number[]> = { committed: e(1, 5), pending: [] };
  assert.equal(acceptFromLeader(log, e(3, 6), 2), log, 'an entry of another term than the leader it follows');
  assert.equal(acceptFromLeader(log, e(2, 5), 2), log, 'a newer term at the committed index');
  assert.equal(acceptFromLeader(log, e(2, 4), 2), log, 'a newer term below the committed index');
  assert.deepEqual(refs(acceptFromLeader(log, e(2, 6), 2)), { committed: [1, 5], pending: [[2, 6]] });
});

test('a duplicate of the newest entry changes nothing (the same log: nothing to persist)', () => {
  const log: LogState<number[]> = { committed: e(1, 5), pending: [e(2, 6)] };
  assert.equal(acceptFromLeader(log, e(2, 6), 2), log);
});

test("a follower keeps the leader's earlier uncommitted entries, so its commit index can commit them", () => {
  let log: LogState<number[]> = { committed: e(1, 3), pending: [e(1, 4)] };
  log = acceptFromLeader(log, e(2, 5), 2);
  log = acceptFromLeader(log, e(2, 6), 2);
  assert.deepEqual(
    refs(log),
    {
      committed: [1, 3],
      pending: [
        [2, 5],
        [2, 6],
      ],
    },
    'the older-term entry is dropped',
  );
  assert.deepEqual(refs(commitUpTo(log, 5, 2)), { committed: [2, 5], pending: [[2, 6]] });
});

test(`a follower holds at most ${FOLLOWER_PENDING_LIMIT} uncommitted entries, the newest ones`, () => {
  assert.equal(FOLLOWER_PENDING_LIMIT, 16);
  let log: LogState<number[]> = { committed: e(1, 1), pending: [] };
  for (let i = 2; i <= 21; i++) log = acceptFromLeader(log, e(2, i), 2);
  assert.equal(log.pending.length, 16);
  assert.deepEqual([log.pending[0]!.index, log.pending.at(-1)!.index], [6, 21]);
});

test("a follower commits on the leader's word only up to the commit index, and keeps what lies beyond", () => {
  const log: LogState<number[]> = { committed: e(2, 3), pending: [e(2, 4), e(2, 5), e(2, 6)] };
  assert.deepEqual(refs(commitUpTo(log, 4, 2)), {
    committed: [2, 4],
    pending: [
      [2, 5],
      [2, 6],
    ],
  });
  assert.equal(commitUpTo(log, 3, 2), log, 'nothing pending at or below the commit index');
});

test('the leader commits its pending entries up to n, and keeps what lies beyond', () => {
  const log: LogState<number[]> = { committed: e(2, 3), pending: [e(3, 4), e(3, 5), e(3, 6)] };
  assert.deepEqual(refs(leaderCommit(log, 5)), { committed: [3, 5], pending: [[3, 6]] });
  assert.equal(leaderCommit(log, 3), log, 'nothing pending at or below n');
});

test('the commit index is the highest index stored by a majority, whatever order the voters come in', () => {
  const stored = (m: Record<string, number>) => (id: string) => m[id] ?? 0;
  assert.equal(majorityIndex(['a', 'b', 'c'], stored({ a: 1, b: 5, c: 3 })), 3);
  assert.equal(majorityIndex(['a', 'b', 'c'], stored({ a: 5, b: 1, c: 3 })), 3);
  assert.equal(majorityIndex(['a', 'b', 'c', 'd', 'e'], stored({ a: 9, b: 1, c: 7, d: 3, e: 5 })), 5);
  assert.equal(majorityIndex(['a', 'b', 'c', 'd'], stored({ a: 1, b: 9, c: 7, d: 3 })), 3, '3 of 4');
  assert.equal(majorityIndex(['a', 'b', 'c'], stored({ a: 9 })), 0, 'unknown followers count as 0');
});

test('a voter change adds or removes one member; a swap is two changes', () => {
  assert.equal(isSingleVoterChange(['a', 'b'], ['a', 'b', 'c']), true);
  assert.equal(isSingleVoterChange(['a', 'b', 'c'], ['a', 'b']), true);
  assert.equal(isSingleVoterChange(['a', 'b'], ['a', 'b']), true);
  assert.equal(isSingleVoterChange(['a', 'b'], ['a', 'c']), false, 'a swap');
  assert.equal(isSingleVoterChange(['a', 'b', 'c'], ['a']), false, 'two removed');
  assert.equal(isSingleVoterChange(['a'], ['a', 'b', 'c']), false, 'two added');
});

test('two positions are the same only when term and index both match', () => {
  assert.equal(sameRef({ term: 2, index: 5 }, { term: 2, index: 5 }), true);
  assert.equal(sameRef({ term: 2, index: 5 }, { term: 2, index: 6 }), false);
  assert.equal(sameRef({ term: 2, index: 5 }, { term: 3, index: 5 }), false);
});
