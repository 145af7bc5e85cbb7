/**
 * The follower's side and the machine around it, step by step: an append
 * from an older term is refused with the follower's own term; one from the
 * current or a newer term is followed, stored and acknowledged, persisting
 * only what changed; the machine answers only messages addressed to it,
 * bootstraps once, draws election timeouts in [min, max), reports role
 * changes once, and a node that cannot persist stops leading.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextRandom } from '../../../../src/domain/election/context.js';
import { initialState, persistentPart, step } from '../../../../src/domain/election/raft-machine.js';
import type { RaftInput, RaftMessage, RaftState } from '../../../../src/domain/election/types.js';
import { SIM_CONFIG, type Doc } from './sim.js';

const cfg = SIM_CONFIG;
const voters = ['a', 'b', 'c'];
const doc = (n: number) => [n] as unknown as Doc;
const entry = (term: number, index: number) => ({ term, index, voters, data: doc(index) });

/** Follower `b` at term 3, log committed at (2, 5), that has voted for c. */
function follower(): RaftState<Doc> {
  return initialState<Doc>('b', { term: 3, votedFor: 'c', committed: entry(2, 5), pending: [] }, 0, 9, cfg);
}
function run(s: RaftState<Doc>, input: RaftInput<Doc>) {
  const r = step(s, input, cfg);
  return { s: r.state, fx: r.effects, sent: r.effects.flatMap((e) => (e.kind === 'send' ? [e.msg] : [])) };
}
const append = (
  term: number,
  extra: Partial<Extract<RaftMessage<Doc>, { type: 'append' }>> = {},
): RaftMessage<Doc> => ({
  type: 'append',
  term,
  from: 'a',
  to: 'b',
  head: { term: 3, index: 6 },
  commitIndex: 5,
  ...extra,
});
const at = (e: { term: number; index: number } | null | undefined) => e && [e.term, e.index];

test('an append from an older term is refused with the follower’s term and position, and changes nothing', () => {
  const s = follower();
  const r = run(s, { kind: 'message', now: 500, msg: append(2, { entry: entry(2, 6), commitIndex: 6 }) });
  assert.deepEqual(r.sent, [
    { type: 'append-resp', term: 3, from: 'b', to: 'a', success: false, match: { term: 2, index: 5 } },
  ]);
  assert.deepEqual([r.s.leader, r.s.leaderContactAt, at(r.s.committed), r.s.pending], [null, 0, [2, 5], []]);
  assert.equal(r.s.electionDeadline, s.electionDeadline, 'no contact: the timer runs on');
  assert.equal(r.fx[0]?.kind, 'send', 'nothing persisted');
});

test('an append of the current term is followed, stored, acknowledged, and persisted before the answer', () => {
  const s = follower();
  const r = run(s, { kind: 'message', now: 500, msg: append(3, { entry: entry(3, 6) }) });
  assert.deepEqual([r.s.role, r.s.leader, r.s.leaderContactAt, r.s.votedFor], ['follower', 'a', 500, 'c']);
  assert.ok(r.s.electionDeadline >= 500 + cfg.electionMinMs, 'contact restarts the election timer');
  assert.deepEqual(r.s.pending.map(at), [[3, 6]]);
  assert.deepEqual(at(r.s.committed), [2, 5]);
  assert.deepEqual(
    r.fx.map((e) => e.kind),
    ['persist', 'role', 'send'],
  );
  assert.deepEqual(r.sent[0], {
    type: 'append-resp',
    term: 3,
    from: 'b',
    to: 'a',
    success: true,
    match: { term: 3, index: 6 },
  });
  const again = run(r.s, { kind: 'message', now: 600, msg: append(3, { entry: entry(3, 6) }) });
  assert.deepEqual(
    again.fx.map((e) => e.kind),
    ['send'],
    'a repeated entry writes nothing',
  );
  const commit = run(r.s, { kind: 'message', now: 700, msg: append(3, { commitIndex: 6 }) });
  assert.deepEqual(at(commit.s.committed), [3, 6]);
  assert.deepEqual(
    commit.fx.map((e) => e.kind),
    ['persist', 'commit', 'send'],
  );
});

test('an append from a newer term makes the follower take that term with a free vote', () => {
  const r = run(follower(), { kind: 'message', now: 500, msg: append(5, { entry: entry(5, 6) }) });
  assert.deepEqual([r.s.term, r.s.votedFor, r.s.leader], [5, null, 'a']);
  assert.deepEqual(r.sent[0], {
    type: 'append-resp',
    term: 5,
    from: 'b',
    to: 'a',
    success: true,
    match: { term: 5, index: 6 },
  });
});

test('a message addressed to another node is ignored', () => {
  const s = follower();
  const r = run(s, { kind: 'message', now: 500, msg: { ...append(5, { entry: entry(5, 6) }), to: 'c' } });
  assert.deepEqual(r.fx, []);
  assert.deepEqual([r.s.term, r.s.leader, r.s.pending], [3, null, []]);
});

test('role changes are reported once; the durable part is term, vote and log', () => {
  const s = follower();
  const first = run(s, { kind: 'message', now: 500, msg: append(3) });
  assert.deepEqual(
    first.fx.filter((e) => e.kind === 'role'),
    [{ kind: 'role', role: 'follower', term: 3, leader: 'a' }],
  );
  const second = run(first.s, { kind: 'message', now: 600, msg: append(3) });
  assert.deepEqual(
    second.fx.filter((e) => e.kind === 'role'),
    [],
  );
  assert.deepEqual(persistentPart(first.s), {
    term: 3,
    votedFor: 'c',
    committed: entry(2, 5),
    pending: [],
  });
});

test('a (pre-)candidate that steps down to follow nobody reports it: the role changes, not the leader', () => {
  const pre = run(follower(), { kind: 'tick', now: follower().electionDeadline });
  assert.deepEqual([pre.s.role, pre.s.leader], ['precandidate', null]);
  const grant = { type: 'prevote-resp', term: 4, from: 'a', to: 'b', granted: true } as const;
  const cand = run(pre.s, { kind: 'message', now: pre.s.electionDeadline - 1, msg: grant });
  assert.deepEqual([cand.s.role, cand.s.leader, cand.s.term], ['candidate', null, 4]);
  const newer = { type: 'vote-resp', term: 7, from: 'c', to: 'b', granted: false } as const;
  const down = run(cand.s, { kind: 'message', now: cand.s.electionDeadline - 1, msg: newer });
  assert.deepEqual([down.s.role, down.s.leader, down.s.term], ['follower', null, 7]);
  assert.deepEqual(
    down.fx.filter((e) => e.kind === 'role'),
    [{ kind: 'role', role: 'follower', term: 7, leader: null }],
  );
  const refused = { type: 'prevote-resp', term: 6, from: 'c', to: 'b', granted: false } as const;
  const preDown = run(pre.s, { kind: 'message', now: pre.s.electionDeadline - 1, msg: refused });
  assert.deepEqual(
    preDown.fx.filter((e) => e.kind === 'role'),
    [{ kind: 'role', role: 'follower', term: 6, leader: null }],
  );
});

test('election timeouts are drawn in [min, max) from a seeded generator, the same for the same seed', () => {
  let seed = 12345;
  for (let i = 0; i < 1000; i++) {
    const r = nextRandom(seed);
    assert.ok(r.value >= 0 && r.value < 1);
    assert.notEqual(r.seed, seed);
    seed = r.seed;
  }
  assert.deepEqual(nextRandom(7), nextRandom(7));
  for (const seed of [0, 1, 2 ** 32 - 1, -5]) {
    const s = initialState<Doc>('b', undefined, 1000, seed, cfg);
    assert.ok(s.electionDeadline >= 1000 + cfg.electionMinMs && s.electionDeadline < 1000 + cfg.electionMaxMs);
    assert.ok(Number.isInteger(s.seed) && s.seed >= 0);
  }
  const a = initialState<Doc>('b', undefined, 0, 1, cfg);
  const b = initialState<Doc>('b', undefined, 0, 2, cfg);
  assert.notEqual(a.electionDeadline, b.electionDeadline, 'another seed, another timeout');
});

test('a fresh node starts as a follower of nobody, with its persisted term, vote and log', () => {
  const s = initialState<Doc>(
    'b',
    { term: 4, votedFor: 'a', committed: entry(4, 9), pending: [entry(4, 10)] },
    5,
    1,
    cfg,
  );
  assert.deepEqual(
    [s.role, s.leader, s.term, s.votedFor, at(s.committed), s.pending.map(at), s.canPersist],
    ['follower', null, 4, 'a', [4, 9], [[4, 10]], true],
  );
  const empty = initialState<Doc>('b', undefined, 5, 1, cfg);
  assert.deepEqual([empty.term, empty.votedFor, empty.committed, empty.pending], [0, null, null, []]);
});

test('bootstrap commits a one-member cluster once, only on an empty node', () => {
  const s = initialState<Doc>('solo', undefined, 0, 7, cfg);
  const r = run(s, { kind: 'bootstrap', now: 40, data: doc(1) });
  assert.deepEqual(at(r.s.committed), [0, 1]);
  assert.deepEqual(r.s.committed?.voters, ['solo']);
  assert.equal(r.s.electionDeadline, 40, 'it elects itself on the next tick');
  assert.deepEqual(
    r.fx.map((e) => e.kind),
    ['persist', 'commit'],
  );
  const twice = run(r.s, { kind: 'bootstrap', now: 50, data: doc(2) });
  assert.deepEqual(twice.fx, []);
  assert.deepEqual(twice.s.committed?.data, doc(1));
  const member = run(follower(), { kind: 'bootstrap', now: 50, data: doc(2) });
  assert.deepEqual(member.fx, [], 'a node with state never bootstraps');
  const termOnly = initialState<Doc>('x', { term: 2, votedFor: null, committed: null, pending: [] }, 0, 1, cfg);
  assert.deepEqual(run(termOnly, { kind: 'bootstrap', now: 50, data: doc(2) }).fx, [], 'nor one that saw a term');
  const pendingOnly = initialState<Doc>(
    'x',
    { term: 0, votedFor: null, committed: null, pending: [entry(0, 1)] },
    0,
    1,
    cfg,
  );
  assert.deepEqual(run(pendingOnly, { kind: 'bootstrap', now: 50, data: doc(2) }).fx, [], 'nor one holding entries');
  assert.equal(run(r.s, { kind: 'tick', now: 40 }).s.role, 'leader', 'a tick at the deadline starts the election');
});

test('a leader that cannot persist steps down at once; a follower keeps following', () => {
  const solo = run(initialState<Doc>('solo', undefined, 0, 7, cfg), { kind: 'bootstrap', now: 0, data: doc(1) }).s;
  const leader = run(solo, { kind: 'tick', now: 1 }).s;
  assert.equal(leader.role, 'leader');
  const down = run(leader, { kind: 'storage', now: 2, canPersist: false });
  assert.deepEqual(
    [down.s.role, down.s.term, down.s.leader, down.s.canPersist],
    ['follower', leader.term, null, false],
  );
  assert.ok(down.s.electionDeadline >= 2 + cfg.electionMinMs);
  const f = run(follower(), { kind: 'message', now: 500, msg: append(3) }).s;
  const still = run(f, { kind: 'storage', now: 600, canPersist: false });
  assert.deepEqual([still.s.role, still.s.leader], ['follower', 'a']);
  const back = run(down.s, { kind: 'storage', now: 3, canPersist: true });
  assert.deepEqual([back.s.canPersist, back.s.electionDeadline], [true, down.s.electionDeadline]);
});
