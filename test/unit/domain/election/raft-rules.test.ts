/** Targeted cases of the election machine: bootstrap, pre-vote, check-quorum, membership changes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialState, step } from '../../../../src/domain/election/raft-machine.js';
import { acceptFromLeader, commitUpTo, type LogState } from '../../../../src/domain/replication/log-state.js';
import { Sim, SIM_CONFIG, type Doc } from './sim.js';

const calm = { loss: 0, dup: 0, minDelay: 1, maxDelay: 5 };

test('a lone node bootstraps a one-member cluster and leads it', () => {
  let s = initialState<Doc>('solo', undefined, 0, 7, SIM_CONFIG);
  let r = step(s, { kind: 'bootstrap', now: 0, data: [] }, SIM_CONFIG);
  assert.ok(r.effects.some((e) => e.kind === 'commit'));
  s = r.state;
  r = step(s, { kind: 'tick', now: 1 }, SIM_CONFIG);
  assert.equal(r.state.role, 'leader');
  assert.equal(r.state.term, 1);
  // The no-op of term 1 commits at once: a majority of one.
  assert.deepEqual({ term: r.state.committed?.term, index: r.state.committed?.index }, { term: 1, index: 2 });
  assert.equal(r.effects[0]?.kind, 'persist', 'state is persisted before anything is sent');
});

test('a node with no state never campaigns', () => {
  let s = initialState<Doc>('fresh', undefined, 0, 1, SIM_CONFIG);
  for (let t = 0; t < 5000; t += 50) s = step(s, { kind: 'tick', now: t }, SIM_CONFIG).state;
  assert.equal(s.role, 'follower');
  assert.equal(s.term, 0);
});

test('a box cut off from the majority elects nobody, keeps its term, and rejoins without deposing the leader', () => {
  const sim = new Sim(['a', 'b', 'c'], calm, 11);
  sim.advance(1000);
  const [leader] = sim.liveLeaders();
  assert.ok(leader);
  const cut = sim.ids.find((id) => id !== leader)!;
  const termBefore = sim.states.get(leader)!.term;
  sim.partition(sim.ids.map((id) => (id === cut ? 1 : 0)));
  sim.advance(5000);
  assert.equal(sim.states.get(cut)!.role === 'leader', false);
  assert.equal(sim.states.get(cut)!.term, termBefore, 'pre-vote keeps the cut-off box from raising its term');
  assert.deepEqual(sim.liveLeaders(), [leader], 'the majority carries on under the same leader');
  sim.propose(leader);
  sim.advance(200);
  sim.heal();
  sim.advance(1000);
  assert.deepEqual(sim.liveLeaders(), [leader]);
  assert.equal(sim.states.get(leader)!.term, termBefore, 'healing costs no election');
  assert.deepEqual(
    sim.states.get(cut)!.committed?.data,
    sim.states.get(leader)!.committed?.data,
    'the cut-off box caught up',
  );
});

test('a leader that loses its majority steps down (check-quorum)', () => {
  const sim = new Sim(['a', 'b', 'c'], calm, 5);
  sim.advance(1000);
  const [leader] = sim.liveLeaders();
  sim.partition(sim.ids.map((id) => (id === leader ? 1 : 0)));
  sim.advance(1000);
  assert.notEqual(sim.states.get(leader!)!.role, 'leader');
  const others = sim.liveLeaders();
  assert.equal(others.length, 1);
  assert.notEqual(others[0], leader);
});

test('membership changes one voter at a time, each after the previous one committed', () => {
  let s = initialState<Doc>('a', undefined, 0, 3, SIM_CONFIG);
  s = step(s, { kind: 'bootstrap', now: 0, data: [] }, SIM_CONFIG).state;
  s = step(s, { kind: 'tick', now: 1 }, SIM_CONFIG).state;
  let r = step(s, { kind: 'propose', now: 2, id: 'two', data: [1], voters: ['a', 'b', 'c'] }, SIM_CONFIG);
  assert.ok(r.effects.some((e) => e.kind === 'refused' && e.reason === 'too-many-voter-changes'));
  r = step(s, { kind: 'propose', now: 2, id: 'add-b', data: [1], voters: ['a', 'b'] }, SIM_CONFIG);
  assert.ok(r.effects.some((e) => e.kind === 'appended'));
  assert.equal(r.state.committed?.index, 2, 'with two voters the change waits for b');
  const append = r.effects.find((e) => e.kind === 'send' && e.msg.to === 'b');
  assert.ok(
    append && append.kind === 'send' && append.msg.type === 'append' && append.msg.entry,
    'b is sent the whole document',
  );
  r = step(r.state, { kind: 'propose', now: 3, id: 'add-c', data: [1], voters: ['a', 'b', 'c'] }, SIM_CONFIG);
  assert.ok(r.effects.some((e) => e.kind === 'refused' && e.reason === 'membership-change-pending'));
});

test('followers keep the newest entry of the current leader and commit only its entries', () => {
  const e = (term: number, index: number) => ({ term, index, voters: ['a'], data: [index] });
  let log: LogState<number[]> = { committed: e(1, 3), pending: [e(1, 4), e(1, 5)] };
  log = acceptFromLeader(log, e(2, 5), 2);
  assert.deepEqual(
    log.pending.map((p) => [p.term, p.index]),
    [[2, 5]],
    'older-term entries are replaced',
  );
  assert.equal(acceptFromLeader(log, e(2, 4), 2), log, 'a delayed older entry is ignored');
  assert.equal(
    commitUpTo({ committed: e(1, 3), pending: [e(1, 4)] }, 4, 2).committed?.index,
    3,
    "an old-term entry is not committed by a new leader's word",
  );
  assert.equal(commitUpTo(log, 5, 2).committed?.index, 5);
});

test('a leader that adds a voter gives it an election timeout to answer before check-quorum counts it silent', () => {
  let s = initialState<Doc>('a', undefined, 0, 3, SIM_CONFIG);
  s = step(s, { kind: 'bootstrap', now: 0, data: [] }, SIM_CONFIG).state;
  s = step(s, { kind: 'tick', now: 1 }, SIM_CONFIG).state;
  const later = 10_000; // long after taking office
  s = step(s, { kind: 'propose', now: later, id: 'add-b', data: [], voters: ['a', 'b'] }, SIM_CONFIG).state;
  s = step(s, { kind: 'tick', now: later + 10 }, SIM_CONFIG).state;
  assert.equal(s.role, 'leader', 'not deposed by a newcomer that had no time to answer');
  s = step(s, { kind: 'tick', now: later + SIM_CONFIG.electionMinMs + 10 }, SIM_CONFIG).state;
  assert.equal(s.role, 'follower', 'but a voter silent for a whole election timeout costs the majority');
});
