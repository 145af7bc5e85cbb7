/**
 * A node that cannot persist cannot keep Raft's promises: a leader steps
 * down so another is elected, and until writes succeed again the node
 * stands for no election and grants no vote (chaos finding, issue #14).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initialState, step } from '../../../../src/domain/election/raft-machine.js';
import type { RaftState } from '../../../../src/domain/election/types.js';
import { Sim, SIM_CONFIG, type Doc } from './sim.js';

const calm = { loss: 0, dup: 0, minDelay: 1, maxDelay: 5 };

test('a leader whose disk fails steps down, another is elected, and it stays out until it can write', () => {
  const sim = new Sim(['a', 'b', 'c'], calm, 5);
  sim.advance(1000);
  const [leader] = sim.liveLeaders();
  assert.ok(leader);
  const term = sim.states.get(leader)!.term;
  sim.input(leader, { kind: 'storage', now: sim.now, canPersist: false });
  assert.equal(sim.states.get(leader)!.role, 'follower', 'steps down at once');
  sim.advance(5000);
  const [next] = sim.liveLeaders();
  assert.ok(next && next !== leader, 'another node leads');
  assert.ok(sim.states.get(next)!.term > term);
  assert.notEqual(sim.states.get(leader)!.role, 'leader');
  sim.crash(next);
  sim.advance(5000);
  assert.deepEqual(sim.liveLeaders(), [], 'with one voter that cannot write, two of three elect nobody');
  sim.input(leader, { kind: 'storage', now: sim.now, canPersist: true });
  sim.advance(5000);
  assert.equal(sim.liveLeaders().length, 1, 'once it can write it votes (or stands) again: two of three elect');
});

function voter(): RaftState<Doc> {
  const committed = { term: 2, index: 5, voters: ['a', 'b', 'c'], data: [] as Doc };
  return initialState<Doc>('a', { term: 2, votedFor: null, committed, pending: [] }, 0, 3, SIM_CONFIG);
}

test('a node that cannot persist grants no vote and starts no election', () => {
  const s = step(voter(), { kind: 'storage', now: 0, canPersist: false }, SIM_CONFIG).state;
  const req = { type: 'vote-req' as const, term: 3, from: 'b', to: 'a', last: { term: 2, index: 5 } };
  const r = step(s, { kind: 'message', now: 10_000, msg: req }, SIM_CONFIG);
  const sent = r.effects.flatMap((e) => (e.kind === 'send' ? [e.msg] : []));
  assert.deepEqual(
    sent.map((m) => (m as { granted?: boolean }).granted),
    [false],
  );
  assert.equal(r.state.votedFor, null);
  let t = s;
  for (let now = 0; now < 5000; now += 50) t = step(t, { kind: 'tick', now }, SIM_CONFIG).state;
  assert.equal(t.role, 'follower');
  assert.equal(t.term, 2);
});
