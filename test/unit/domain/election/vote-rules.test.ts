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

/*
 * Counting: a node becomes leader only on grants of its own term, from
 * distinct voters, while it is still a candidate (two leaders in one term
 * otherwise). Five voters here, so two grants beside its own are needed.
 */
const five = ['a', 'b', 'c', 'd', 'e'];

/** `a` in `role` at term 3, having voted for itself; its log ends at (2, 5). */
function campaigning(role: RaftState<Doc>['role'], votes: string[] = ['a']): RaftState<Doc> {
  const committed = { term: 2, index: 5, voters: five, data: [] as unknown as Doc };
  const s = initialState<Doc>('a', { term: 3, votedFor: 'a', committed, pending: [] }, 0, 3, SIM_CONFIG);
  return { ...s, role, votes };
}

function receive(s: RaftState<Doc>, msgs: RaftMessage<Doc>[]): RaftState<Doc> {
  return msgs.reduce((st, msg) => step(st, { kind: 'message', now: 10_000, msg }, SIM_CONFIG).state, s);
}

const voteResp = (from: string, term = 3, granted = true): RaftMessage<Doc> => ({
  type: 'vote-resp',
  term,
  from,
  to: 'a',
  granted,
});
const preVoteResp = (from: string, term = 4, granted = true): RaftMessage<Doc> => ({
  type: 'prevote-resp',
  term,
  from,
  to: 'a',
  granted,
});

test('a candidate leads once a majority of distinct voters granted its term', () => {
  const s = receive(campaigning('candidate'), [voteResp('b'), voteResp('c')]);
  assert.equal(s.role, 'leader');
  assert.equal(s.term, 3);
});

test('grants that do not count: refused, from an older term, twice from one voter, from a non-voter', () => {
  const cases: [string, RaftMessage<Doc>[]][] = [
    ['refused', [voteResp('b'), voteResp('c', 3, false)]],
    ['older term', [voteResp('b'), voteResp('c', 2)]],
    ['same voter twice', [voteResp('b'), voteResp('b')]],
    ['not a voter', [voteResp('b'), voteResp('z')]],
  ];
  for (const [name, msgs] of cases) {
    const s = receive(campaigning('candidate'), msgs);
    assert.equal(s.role, 'candidate', name);
    assert.equal(s.votes.length, 2, `${name}: only a and b counted`);
  }
});

test('a late grant does not make leader a node that is no longer a candidate of that term', () => {
  for (const role of ['follower', 'precandidate'] as const) {
    const s = receive(campaigning(role, ['a', 'b']), [voteResp('c')]);
    assert.equal(s.role, role, `${role} stays ${role}`);
  }
});

test('a refusal from a newer term makes the candidate follow in that term with a free vote', () => {
  const s = receive(campaigning('candidate'), [voteResp('b', 5, false)]);
  assert.equal(s.role, 'follower');
  assert.equal(s.term, 5);
  assert.equal(s.votedFor, null);
});

test('a pre-candidate starts the election on a majority of pre-votes for the next term, and only then', () => {
  const pre = (): RaftState<Doc> => ({ ...campaigning('precandidate'), votedFor: null });
  const won = receive(pre(), [preVoteResp('b'), preVoteResp('c')]);
  assert.equal(won.role, 'candidate');
  assert.equal(won.term, 4, 'the election raises the term once');
  assert.equal(won.votedFor, 'a');
  const cases: [string, RaftMessage<Doc>[]][] = [
    ['refused', [preVoteResp('b'), preVoteResp('c', 3, false)]],
    ['current term', [preVoteResp('b'), preVoteResp('c', 3)]],
    ['same voter twice', [preVoteResp('b'), preVoteResp('b')]],
    ['not a voter', [preVoteResp('b'), preVoteResp('z')]],
  ];
  for (const [name, msgs] of cases) {
    const s = receive(pre(), msgs);
    assert.deepEqual([s.role, s.term], ['precandidate', 3], name);
  }
  const late = receive({ ...pre(), role: 'follower', votes: ['a', 'b'] }, [preVoteResp('c')]);
  assert.deepEqual([late.role, late.term], ['follower', 3], 'no election from a follower');
});

test('a refused pre-vote from a newer term is followed; an older refusal changes nothing', () => {
  const pre = { ...campaigning('precandidate'), votedFor: null };
  const newer = receive(pre, [preVoteResp('b', 6, false)]);
  assert.deepEqual([newer.role, newer.term], ['follower', 6]);
  const older = receive(pre, [preVoteResp('b', 3, false)]);
  assert.deepEqual([older.role, older.term], ['precandidate', 3]);
});

test('a grant is persisted before it is sent; a refusal or a pre-vote writes nothing', () => {
  const r = step(voter(), { kind: 'message', now: 10_000, msg: voteReq('b', { term: 2, index: 5 }) }, SIM_CONFIG);
  assert.deepEqual(
    r.effects.map((e) => e.kind),
    ['persist', 'send'],
  );
  const pre = step(voter(), { kind: 'message', now: 10_000, msg: preVoteReq('b', { term: 2, index: 5 }) }, SIM_CONFIG);
  assert.deepEqual(
    pre.effects.map((e) => e.kind),
    ['send'],
  );
  assert.deepEqual([pre.state.term, pre.state.votedFor], [2, null], 'a pre-vote changes neither term nor vote');
});

test('a voter grants again to the candidate it voted for, and refuses others in the same term', () => {
  const voted = { ...voter(), term: 3, votedFor: 'b' };
  assert.equal(answer(voted, voteReq('b', { term: 2, index: 5 })).granted, true, 'a retried request');
  assert.equal(answer(voted, voteReq('c', { term: 2, index: 5 })).granted, false);
  const own = answer({ ...voted, votedFor: 'a', role: 'candidate', votes: ['a'] }, voteReq('c', { term: 2, index: 5 }));
  assert.equal(own.granted, false, 'a candidate has voted for itself');
  assert.equal(own.state.role, 'candidate', 'a request of its own term does not depose it');
});

test('answers carry the right term: a grant the new term, a pre-vote the term asked for', () => {
  const sent = (s: RaftState<Doc>, msg: RaftMessage<Doc>): RaftMessage<Doc> =>
    step(s, { kind: 'message', now: 10_000, msg }, SIM_CONFIG).effects.flatMap((e) =>
      e.kind === 'send' ? [e.msg] : [],
    )[0]!;
  assert.equal(sent(voter(), voteReq('b', { term: 2, index: 5 })).term, 3);
  assert.equal(sent(voter(), preVoteReq('b', { term: 2, index: 5 })).term, 3, 'granted: the term asked for');
  assert.equal(sent(voter(), preVoteReq('b', { term: 1, index: 5 })).term, 2, 'refused: its own term');
  const stale = { ...preVoteReq('b', { term: 2, index: 5 }), term: 2 };
  assert.equal(answer(voter(), stale).granted, false, 'a pre-vote for no newer term is refused');
});

test('a pre-vote is refused while the voter hears from a live leader, and granted once that contact is old', () => {
  const following = { ...voter(), leader: 'c', leaderContactAt: 10_000 - SIM_CONFIG.electionMinMs + 1 };
  assert.equal(answer(following, preVoteReq('b', { term: 2, index: 5 })).granted, false, 'within the lease');
  const quiet = { ...following, leaderContactAt: 10_000 - SIM_CONFIG.electionMinMs };
  assert.equal(answer(quiet, preVoteReq('b', { term: 2, index: 5 })).granted, true, 'lease over');
  assert.equal(answer({ ...voter(), role: 'leader' }, preVoteReq('b', { term: 2, index: 5 })).granted, false);
});

test('a vote request from an older term is refused and leaves the vote of the current term free', () => {
  const r = answer({ ...voter(), term: 4 }, voteReq('b', { term: 2, index: 5 }));
  assert.equal(r.granted, false);
  assert.deepEqual([r.state.term, r.state.votedFor], [4, null]);
});

test('a node that starts an election persists its new term and self-vote before asking for votes', () => {
  const pre = { ...campaigning('precandidate', ['a', 'b']), votedFor: null };
  const r = step(pre, { kind: 'message', now: 10_000, msg: preVoteResp('c') }, SIM_CONFIG);
  assert.deepEqual([r.state.role, r.state.term, r.state.votedFor], ['candidate', 4, 'a']);
  assert.equal(r.effects[0]?.kind, 'persist');
  assert.ok(r.effects.some((e) => e.kind === 'send' && e.msg.type === 'vote-req'));
});

test('recent contact with no known leader (a newer term was seen) does not hold back a pre-vote', () => {
  const s = { ...voter(), leader: null, leaderContactAt: 10_000 - 1 };
  assert.equal(answer(s, preVoteReq('b', { term: 2, index: 5 })).granted, true);
});
