/**
 * The leader's side of the election machine, step by step: taking office
 * with a no-op of its term, heartbeats that carry the newest entry only to
 * followers that lack it, commits counted only from acknowledgements of its
 * own term, deposition by a newer term, proposals and their refusals, and
 * check-quorum's window. Leader `a` of voters a, b, c at term 3; its log
 * ended at (2, 5) when it was elected.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initialState, step } from '../../../../src/domain/election/raft-machine.js';
import type { RaftEffect, RaftInput, RaftMessage, RaftState } from '../../../../src/domain/election/types.js';
import { SIM_CONFIG, type Doc } from './sim.js';

const T0 = 10_000;
const cfg = SIM_CONFIG;

/** `a` elected at T0 by b's vote; returns the state and the effects of taking office. */
function elected(): { s: RaftState<Doc>; fx: RaftEffect<Doc>[] } {
  const committed = { term: 2, index: 5, voters: ['a', 'b', 'c'], data: [5] as unknown as Doc };
  const s = initialState<Doc>('a', { term: 3, votedFor: 'a', committed, pending: [] }, 0, 3, cfg);
  const msg: RaftMessage<Doc> = { type: 'vote-resp', term: 3, from: 'b', to: 'a', granted: true };
  const r = step({ ...s, role: 'candidate', votes: ['a'] }, { kind: 'message', now: T0, msg }, cfg);
  assert.equal(r.state.role, 'leader');
  return { s: r.state, fx: r.effects };
}

const ack = (from: string, index: number, term = 3, success = true, matchTerm = term): RaftMessage<Doc> => ({
  type: 'append-resp',
  term,
  from,
  to: 'a',
  success,
  match: { term: matchTerm, index },
});

function run(s: RaftState<Doc>, input: RaftInput<Doc>) {
  const r = step(s, input, cfg);
  const sent = r.effects.flatMap((e) => (e.kind === 'send' ? [e.msg] : []));
  return { s: r.state, fx: r.effects, sent };
}
const msgIn = (s: RaftState<Doc>, msg: RaftMessage<Doc>, now = T0 + 1) => run(s, { kind: 'message', now, msg });
const appendTo = (sent: RaftMessage<Doc>[], to: string) => {
  const m = sent.find((x) => x.to === to);
  assert.ok(m && m.type === 'append', `an append to ${to}`);
  return m;
};
const at = (e: { term: number; index: number } | null | undefined) => e && [e.term, e.index];

test('a new leader appends a no-op of its term, persists it first, and sends it to every peer', () => {
  const { s, fx } = elected();
  assert.equal(fx[0]?.kind, 'persist');
  assert.deepEqual(s.pending.map(at), [[3, 6]]);
  assert.deepEqual(s.pending[0]!.data, [5], 'the same document');
  assert.deepEqual(s.pending[0]!.voters, ['a', 'b', 'c']);
  assert.deepEqual(at(s.committed), [2, 5], 'not committed by the leader alone');
  assert.deepEqual([s.votes, s.match, s.ackAt], [[], {}, {}], 'a new office: no votes, matches or contacts kept');
  const sent = fx.flatMap((e) => (e.kind === 'send' ? [e.msg] : []));
  for (const to of ['b', 'c']) {
    const m = appendTo(sent, to);
    assert.deepEqual([m.term, m.from, at(m.head), m.commitIndex, at(m.entry)], [3, 'a', [3, 6], 5, [3, 6]]);
  }
  assert.equal(s.heartbeatDue, T0 + cfg.heartbeatMs);
});

test('the leader commits once a majority stored an entry of its term, and tells the followers', () => {
  const { s } = elected();
  const r = msgIn(s, ack('b', 6));
  assert.deepEqual(at(r.s.committed), [3, 6]);
  assert.deepEqual(r.s.pending, []);
  assert.deepEqual(
    r.fx.map((e) => e.kind),
    ['persist', 'commit'],
    'persisted, and no re-send: b holds the head',
  );
  const beat = run(r.s, { kind: 'tick', now: T0 + cfg.heartbeatMs });
  assert.equal(appendTo(beat.sent, 'c').commitIndex, 6);
});

test("an acknowledgement of another term's entry counts for nothing, even at the same index", () => {
  const { s } = elected();
  const r = msgIn(s, ack('b', 6, 3, true, 2));
  assert.deepEqual(at(r.s.committed), [2, 5], 'a (2, 6) held by b is not the leader’s (3, 6)');
  const failed = msgIn(s, ack('b', 6, 3, false));
  assert.deepEqual(at(failed.s.committed), [2, 5], 'nor does a failed append');
});

test('heartbeats, every heartbeatMs, carry the entry only to followers that lack it', () => {
  const { s } = elected();
  const acked = msgIn(s, ack('b', 6)).s;
  assert.deepEqual(run(acked, { kind: 'tick', now: T0 + cfg.heartbeatMs - 1 }).sent, [], 'not due yet');
  const beat = run(acked, { kind: 'tick', now: T0 + cfg.heartbeatMs });
  assert.equal(appendTo(beat.sent, 'b').entry, undefined, 'b holds the head: its position only');
  assert.deepEqual(at(appendTo(beat.sent, 'b').head), [3, 6]);
  assert.deepEqual(at(appendTo(beat.sent, 'c').entry), [3, 6]);
  assert.equal(beat.s.heartbeatDue, T0 + 2 * cfg.heartbeatMs);
  const stale = msgIn(acked, ack('b', 5)).s;
  const again = run(stale, { kind: 'tick', now: T0 + cfg.heartbeatMs });
  assert.equal(appendTo(again.sent, 'b').entry, undefined, 'a late, lower acknowledgement lowers nothing');
});

test('a follower that acknowledges less than the newest entry is sent it at once', () => {
  const { s } = elected();
  const p = run(msgIn(s, ack('b', 6)).s, { kind: 'propose', now: T0 + 2, id: 'p1', data: [7] as unknown as Doc });
  const r = msgIn(p.s, ack('c', 6), T0 + 3);
  assert.deepEqual(at(appendTo(r.sent, 'c').entry), [3, 7]);
  assert.equal(r.sent.length, 1, 'only to c');
  assert.deepEqual(msgIn(r.s, ack('c', 7), T0 + 4).sent, [], 'nothing once it holds the head');
});

test('a node that no longer leads ignores acknowledgements of its term: it never commits on its own count', () => {
  const { s } = elected();
  const r = msgIn({ ...s, role: 'follower', leader: null }, ack('b', 6));
  assert.deepEqual(at(r.s.committed), [2, 5]);
  assert.deepEqual([r.s.match, r.s.ackAt, r.sent], [{}, {}, []]);
});

test('a leader elected before anything committed sends commit index 0, and commits once a majority holds', () => {
  const pending = [{ term: 2, index: 5, voters: ['a', 'b', 'c'], data: [5] as unknown as Doc }];
  const s0 = initialState<Doc>('a', { term: 3, votedFor: 'a', committed: null, pending }, 0, 3, cfg);
  const msg: RaftMessage<Doc> = { type: 'vote-resp', term: 3, from: 'b', to: 'a', granted: true };
  const e = run({ ...s0, role: 'candidate', votes: ['a'] }, { kind: 'message', now: T0, msg });
  assert.equal(e.s.role, 'leader');
  assert.equal(appendTo(e.sent, 'b').commitIndex, 0);
  const low = msgIn(e.s, ack('b', 4));
  assert.equal(low.s.committed, null, 'an index below every pending entry commits nothing');
  assert.equal(appendTo(low.sent, 'b').commitIndex, 0, 'and b is sent the head at once');
  assert.deepEqual(at(msgIn(low.s, ack('b', 6)).s.committed), [3, 6]);
});

test('an answer from a newer term deposes the leader; one of an older term changes nothing', () => {
  const { s } = elected();
  const r = msgIn(s, ack('b', 0, 4, false));
  assert.deepEqual([r.s.role, r.s.term, r.s.leader, r.s.votedFor], ['follower', 4, null, null]);
  assert.equal(r.fx[0]?.kind, 'persist', 'the new term is persisted');
  assert.ok(r.s.electionDeadline > T0 + 1, 'its election timer restarts');
  const old = msgIn(s, ack('b', 6, 2));
  assert.deepEqual(at(old.s.committed), [2, 5]);
  assert.deepEqual(old.s.match, {});
  assert.deepEqual(old.s.ackAt, {}, 'an older-term answer is not contact');
});

test('a proposal is appended at the next index of the leader’s term, persisted first and reported', () => {
  const { s } = elected();
  const r = run(s, { kind: 'propose', now: T0 + 1, id: 'p1', data: [7] as unknown as Doc });
  assert.equal(r.fx[0]?.kind, 'persist');
  assert.deepEqual(
    r.fx.find((e) => e.kind === 'appended'),
    { kind: 'appended', id: 'p1', term: 3, index: 7 },
  );
  assert.deepEqual(r.s.pending.map(at), [
    [3, 6],
    [3, 7],
  ]);
  assert.deepEqual(r.s.pending[1]!.voters, ['a', 'b', 'c']);
  assert.deepEqual(at(appendTo(r.sent, 'b').entry), [3, 7]);
});

test('refusals: a follower names its leader, a full leader is busy, the same voters in any order are no change', () => {
  const { s } = elected();
  const follower = { ...s, role: 'follower' as const, leader: 'c' };
  const refused = run(follower, { kind: 'propose', now: T0 + 1, id: 'p', data: [] as unknown as Doc });
  assert.deepEqual(refused.fx, [{ kind: 'refused', id: 'p', reason: 'not-leader', leader: 'c' }]);
  const full = { ...s, pending: Array.from({ length: cfg.maxPending }, () => s.pending[0]!) };
  const busy = run(full, { kind: 'propose', now: T0 + 1, id: 'p', data: [] as unknown as Doc });
  assert.deepEqual(busy.fx, [{ kind: 'refused', id: 'p', reason: 'busy', leader: 'a' }]);
  const same = run(s, {
    kind: 'propose',
    now: T0 + 1,
    id: 'p',
    data: [] as unknown as Doc,
    voters: ['c', 'a', 'b', 'a'],
  });
  assert.ok(
    same.fx.some((e) => e.kind === 'appended'),
    'the no-op is pending, but the voters did not change',
  );
  assert.deepEqual(same.s.pending[1]!.voters, ['a', 'b', 'c']);
});

test('check-quorum: a leader steps down after a whole election timeout without hearing a majority', () => {
  const { s } = elected();
  assert.equal(run(s, { kind: 'tick', now: T0 + cfg.electionMinMs - 1 }).s.role, 'leader');
  const alone = run(s, { kind: 'tick', now: T0 + cfg.electionMinMs });
  assert.deepEqual([alone.s.role, alone.s.term, alone.s.leader], ['follower', 3, null]);
  const busy = run(s, { kind: 'propose', now: T0 + 100, id: 'p', data: [] as unknown as Doc }).s;
  assert.equal(run(busy, { kind: 'tick', now: T0 + cfg.electionMinMs }).s.role, 'follower', 'proposing is not hearing');
  const heard = msgIn(s, ack('b', 6), T0 + 100).s;
  assert.equal(run(heard, { kind: 'tick', now: T0 + 100 + cfg.electionMinMs - 1 }).s.role, 'leader');
  assert.equal(run(heard, { kind: 'tick', now: T0 + 100 + cfg.electionMinMs }).s.role, 'follower');
});
