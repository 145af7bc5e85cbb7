/**
 * Property tests: a simulated cluster under message loss, delay,
 * duplication, partitions and crashes never has two leaders in one term,
 * never has a leader without a majority's votes, never commits two
 * different documents at one index, and never loses an acknowledged change.
 * Once the network heals and every node is back, a leader emerges and
 * commits again (liveness under a stable majority).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyParams } from '../../../support/property-seed.js';
import { Sim } from './sim.js';

const action = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 5, max: 400 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('propose' as const), node: fc.nat(4) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('partition' as const),
      groups: fc.array(fc.nat(2), { minLength: 5, maxLength: 5 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('heal' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const), node: fc.nat(4) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), node: fc.nat(4) }) },
);

const net = fc.record({
  loss: fc.double({ min: 0, max: 0.4, noNaN: true }),
  dup: fc.double({ min: 0, max: 0.3, noNaN: true }),
  minDelay: fc.integer({ min: 0, max: 20 }),
  maxDelay: fc.integer({ min: 20, max: 200 }),
});

const scenario = fc.record({
  size: fc.constantFrom(3, 5),
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  net,
  actions: fc.array(action, { minLength: 10, maxLength: 60 }),
});

interface Scenario {
  size: number;
  seed: number;
  net: { loss: number; dup: number; minDelay: number; maxDelay: number };
  actions: unknown[];
}

function run(sc: Scenario): Sim {
  const ids = ['a', 'b', 'c', 'd', 'e'].slice(0, sc.size);
  const sim = new Sim(ids, sc.net, sc.seed);
  for (const a of sc.actions as { kind: string; ms?: number; node?: number; groups?: number[] }[]) {
    const node = ids[(a.node ?? 0) % ids.length]!;
    if (a.kind === 'advance') sim.advance(a.ms!);
    else if (a.kind === 'propose') {
      for (const l of sim.liveLeaders()) sim.propose(l);
    } else if (a.kind === 'partition') sim.partition(a.groups!);
    else if (a.kind === 'heal') sim.heal();
    else if (a.kind === 'crash') sim.crash(node);
    else if (a.kind === 'restart') sim.restart(node);
  }
  return sim;
}

test('safety: one leader per term, leaders hold a majority, commits agree, acknowledged changes survive', (t) => {
  fc.assert(
    fc.property(scenario, (sc) => {
      run(sc);
    }),
    propertyParams(150, (l) => t.diagnostic(l)),
  );
});

test('liveness: after the network heals, one leader emerges and commits a new change', (t) => {
  fc.assert(
    fc.property(scenario, (sc) => {
      const sim = run(sc);
      sim.heal();
      for (const id of sim.ids) sim.restart(id);
      sim.net = { loss: 0, dup: 0, minDelay: 1, maxDelay: 10 };
      sim.advance(3000);
      const leaders = sim.liveLeaders();
      assert.equal(leaders.length, 1, `leaders after healing: ${leaders.join(',')}`);
      const leader = leaders[0]!;
      const acked = sim.acked.length;
      sim.propose(leader);
      sim.advance(500);
      assert.ok(sim.acked.length > acked, 'a change proposed to the healed cluster commits');
      const term = sim.states.get(leader)!.term;
      for (const id of sim.ids)
        assert.equal(sim.states.get(id)!.leader, leader, `${id} follows ${leader} in term ${term}`);
    }),
    propertyParams(60, (l) => t.diagnostic(l)),
  );
});
