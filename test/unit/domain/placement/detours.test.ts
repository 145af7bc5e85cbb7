/**
 * Detours (passes/place-deployment.ts): a split that pushes a tenant over its latency target is rebuilt away
 * from that tenant's nodes. The case: a high-priority tenant T holds both fast GPUs of n1 near its latency
 * limit (each GPU's cap alone would let more in, both together would not); D needs a split, which
 * latency-first lands on n1's fast GPUs. Without the detour D is rejected (the search will not trade T
 * away: T's priority is higher); with it, D goes to the slower idle GPUs of n2 and n3.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterState } from '../../../../src/domain/placement/cluster-state.js';
import { greedy } from '../../../../src/domain/placement/passes/greedy.js';
import { buildProblem } from '../../../../src/domain/placement/problem.js';
import { admitted, chainApp, gpuNode, NET, planValid, prof } from './fixtures.js';

const cluster = {
  nodes: [
    gpuNode('n1', [
      ['F', 8000],
      ['F', 8000],
    ]),
    gpuNode('n2', [['S', 8000]]),
    gpuNode('n3', [['S', 8000]]),
  ],
  network: NET,
};
const apps = [chainApp('cam', ['det', 'cls']), chainApp('big', ['m'])];
const profiles = [
  prof('cam', 'decode', 'cpu', 500, 1, { cpuCores: 0.1 }),
  prof('cam', 'det', 'F', 20, 10),
  prof('cam', 'cls', 'F', 20, 10),
  prof('big', 'decode', 'cpu', 500, 1, { cpuCores: 0.1 }),
  prof('big', 'm', 'F', 20, 5),
  prof('big', 'm', 'S', 20, 9),
];
const deployments = [
  { name: 'T', app: 'cam', fps: 8, latencyMs: 43, priority: 1 },
  { name: 'D', app: 'big', fps: 24, latencyMs: 60, priority: 0 },
];
const w = { cluster, apps, profiles, deployments };

describe('rim detours', () => {
  it('the greedy pass alone rejects D; with detours D is placed away from T', () => {
    const p = buildProblem(cluster, apps, profiles, deployments);
    for (const detours of [false, true]) {
      const state = new ClusterState(p);
      const reasons = new Map<number, string>();
      greedy(state, reasons, p.deployments, () => detours);
      assert.ok(state.isPlaced(0), 'T placed');
      assert.equal(state.isPlaced(1), detours, `detours ${detours}: ${reasons.get(1)}`);
      if (detours) for (const s of state.shares[1]!) assert.notEqual(p.slots[s.slot]!.node, 0, 'D stays off n1');
    }
  });

  it('rim (its search uses detours) admits both, and the plan passes the validator', () => {
    const plan = planValid(w, { strategy: 'rim' });
    assert.deepEqual([...admitted(plan)].sort(), ['D', 'T']);
  });
});
