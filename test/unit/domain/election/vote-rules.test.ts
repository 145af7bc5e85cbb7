/**
 * A voter never helps a candidate whose log is older than its own (Raft
 * §5.4.1): neither its vote nor its pre-vote, and the refusal leaves its
 * vote free for an up-to-date candidate. Older means a lower last term, or
 * the same last term and a lower last index.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initialState, step } from '../../../../src/domain/election/raft-machine.js';
import type { RaftMessage, RaftState } from '../../../../src/domain/election/types.js';
import { SIM_CONFIG, type Doc } from './sim.js';

const voters = ['a', 'b', 'c'];

/** Voter `a`, term 2, whose log ends at (term 2, index 5); it has not voted and heard no leader. */
function voter(): RaftState<Doc> {
  const committed = { term: 2, index: 5, voters, data: [] as unknown as Doc };
  return initialState<Doc>('a', { term: 2, votedFor: null, committed, pending: [] }, 0, 3, SIM_CONFIG);
}

function answer(s: RaftState<Doc>, msg: RaftMessage<Doc>, now = 10_000): { granted: boolean; state: RaftState<Doc> } {
  const r = step(s, { kind: 'message', now, msg }, SIM_CONFIG);
  const sent = r.effects.flatMap((e) => (e.kind === 'send' && e.msg.to === msg.from ? [e.msg] : []));
  assert.equal(sent.length, 1, 'one answer to the candidate');
  return { granted: (sent[0] as { granted: boolean }).granted, state: r.state };
}

const voteReq = (from: string, last: { term: number; index: number }): RaftMessage<Doc> => ({
  type: 'vote-req',
  term: 3,
  from,
  to: 'a',
  last,
});
const preVoteReq = (from: string, last: { term: number; index: number }): RaftMessage<Doc> => ({
  type: 'prevote-req',
  term: 3,
  from,
  to: 'a',
  last,
});

test('a vote is refused to a candidate whose last entry has an older term, even with a longer log', () => {
  const r = answer(voter(), voteReq('b', { term: 1, index: 9 }));
  assert.equal(r.granted, false);
  assert.equal(r.state.votedFor, null, 'the vote stays free');
  assert.equal(r.state.term, 3, 'the newer term is still adopted');
});

test('a vote is refused to a candidate with the same last term and a shorter log', () => {
  assert.equal(answer(voter(), voteReq('b', { term: 2, index: 4 })).granted, false);
});

test('a vote is granted to a candidate at least as up to date, and then to no other in the term', () => {
  const same = answer(voter(), voteReq('b', { term: 2, index: 5 }));
  assert.equal(same.granted, true);
  assert.equal(same.state.votedFor, 'b');
  assert.equal(answer(same.state, voteReq('c', { term: 3, index: 9 })).granted, false, 'one vote per term');
  assert.equal(answer(voter(), voteReq('c', { term: 3, index: 1 })).granted, true, 'a newer last term wins');
});

test('a pre-vote is refused to an older log and granted to an up-to-date one', () => {
  assert.equal(answer(voter(), preVoteReq('b', { term: 1, index: 9 })).granted, false);
  assert.equal(answer(voter(), preVoteReq('b', { term: 2, index: 4 })).granted, false);
  assert.equal(answer(voter(), preVoteReq('b', { term: 2, index: 5 })).granted, true);
});
