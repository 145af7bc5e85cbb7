import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { strategySwitch } from '../../../../src/domain/planning/strategy-switch.js';
import type { ClusterDocument, Plan } from '../../../../src/domain/types.js';

const plan = (strategy: string): Plan => ({
  strategy,
  placements: [],
  rejected: [],
  latencyMs: {},
  utilisation: {},
  solveMs: 0,
});

describe('strategySwitch', () => {
  it('plans with the strategy of the moment, keeping the other options', () => {
    const made: { strategy?: string; headroom?: number }[] = [];
    const s = strategySwitch({ strategy: 'rim', headroom: 0.2 }, (o) => {
      made.push(o);
      return () => plan(o.strategy!);
    });
    const doc = {} as ClusterDocument;
    assert.equal(s.strategy(), 'rim');
    assert.equal(s.planner(doc, [], undefined).strategy, 'rim');
    s.set('nexus');
    assert.equal(s.strategy(), 'nexus');
    assert.equal(s.planner(doc, [], undefined).strategy, 'nexus');
    assert.deepEqual(made.at(-1), { strategy: 'nexus', headroom: 0.2 });
    s.set('nexus'); // the same again builds nothing
    assert.equal(made.length, 2);
  });

  it("starts at rim when the options name none (the engine's default)", () => {
    assert.equal(strategySwitch({}, () => () => plan('x')).strategy(), 'rim');
  });
});
