/**
 * rim's level split (passes/level-split.ts): a latency-tight deployment's GPU modules placed together, each
 * GPU holding a piece of every one up to the level the whole path allows, where thin splits (one module at
 * a time, each water-filled over the idlest GPUs) miss.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterState } from '../../../../src/domain/placement/cluster-state.js';
import { SlotIndex } from '../../../../src/domain/placement/passes/drafts.js';
import { placeDeployment } from '../../../../src/domain/placement/passes/place-deployment.js';
import { variantLevels } from '../../../../src/domain/placement/passes/variant-levels.js';
import { buildProblem } from '../../../../src/domain/placement/problem.js';
import type { Deployment } from '../../../../src/domain/types.js';
import { admitted, chainApp, gpuNode, NET, planValid, prof, type Workload } from './fixtures.js';

/** One node, three GPUs "A"; `nlp` = decode (CPU, 1 ms) → m1 (23 fps per GPU, 10 ms) → m2 (28 fps, 11 ms). */
function workload(deployments: Deployment[]): Workload {
  return {
    cluster: {
      nodes: [
        gpuNode('n1', [
          ['A', 8000],
          ['A', 8000],
          ['A', 8000],
        ]),
      ],
      network: NET,
    },
    apps: [chainApp('nlp', ['m1', 'm2'])],
    profiles: [
      prof('nlp', 'decode', 'cpu', 1000, 1, { cpuCores: 0.01 }),
      prof('nlp', 'm1', 'A', 23, 10),
      prof('nlp', 'm2', 'A', 28, 11),
    ],
    deployments,
  };
}

// The workload a random search (issue #11, round 8) found: rim without level splits admitted none of the
// priority-2 deployments (5 fps of priority 1 only); with them it admits 20 fps of priority 2.
const DEPLOYMENTS: Deployment[] = [
  { name: 'd0', app: 'nlp', fps: 20, latencyMs: 49, priority: 2 },
  { name: 'd1', app: 'nlp', fps: 15, latencyMs: 31, priority: 1 },
  { name: 'd2', app: 'nlp', fps: 20, latencyMs: 39, priority: 2 },
  { name: 'd3', app: 'nlp', fps: 5, latencyMs: 28, priority: 1 },
  { name: 'd4', app: 'nlp', fps: 20, latencyMs: 47, priority: 1 },
];

describe('rim, level splits', () => {
  it('admits a tight top-priority deployment that thin splits miss', () => {
    const plan = planValid(workload(DEPLOYMENTS), { strategy: 'rim' });
    const ok = admitted(plan);
    const top = DEPLOYMENTS.filter((d) => d.priority === 2 && ok.has(d.name)).reduce((a, d) => a + d.fps, 0);
    assert.equal(top, 20, JSON.stringify(plan.rejected));
  });

  it('places what a thin split misses on an idle cluster, every GPU module on the same GPUs', () => {
    // 20 fps within 49 ms: m1 needs 0.87 of a GPU, m2 0.71. A thin split water-fills m1 over two GPUs,
    // then m2 over the idlest, and the path comes out at 50.5 ms; a level split puts 6-7 fps of both on
    // each of the three GPUs (utilisation 0.53-0.55, 1 + 10/(1 − u) + 11/(1 − u) ≤ 49).
    const w = workload([{ name: 't', app: 'nlp', fps: 20, latencyMs: 49 }]);
    const p = buildProblem(w.cluster, w.apps, w.profiles, w.deployments);
    const d = p.deployments[0]!;
    const levels = variantLevels(p, 'nlp');
    const thin = new ClusterState(p);
    const missed = placeDeployment(thin, new SlotIndex(p), d, levels, { thin: true });
    assert.equal(missed?.kind, 'latency', JSON.stringify(missed));
    const state = new ClusterState(p);
    const f = placeDeployment(state, new SlotIndex(p), d, levels, { thin: true, level: true });
    assert.equal(f, undefined, JSON.stringify(f));
    const app = p.apps.get('nlp')!;
    const gpus = (m: string) =>
      [...new Set(state.shares[0]!.filter((s) => app.modules[s.module]!.name === m).map((s) => s.slot))].sort();
    assert.deepEqual(gpus('m1'), gpus('m2'));
    assert.equal(gpus('m1').length, 3);
    assert.ok(state.latencyOf(0) <= 49 + 1e-9, `${state.latencyOf(0)} ms`);
  });
});
