/**
 * rim places each priority level's tight deployments thinly (a module spread over more replicas at low
 * utilisation) before the next level fills the GPUs (passes/greedy.ts, greedyByLevel).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment } from '../../../../src/domain/types.js';
import { admitted, chainApp, gpuNode, NET, planValid, prof, type Workload } from './fixtures.js';

/** One node with four GPUs "A"; `cam` = decode → det (20 fps per GPU, 10 ms unloaded). */
function cluster(deployments: Deployment[]): Workload {
  return {
    cluster: {
      nodes: [
        gpuNode(
          'n1',
          Array.from({ length: 4 }, (): [string, number] => ['A', 8000]),
        ),
      ],
      network: NET,
    },
    apps: [chainApp('cam', ['det'])],
    profiles: [prof('cam', 'decode', 'cpu', 1000, 1, { cpuCores: 0.01 }), prof('cam', 'det', 'A', 20, 10)],
    deployments,
  };
}

describe('rim, thin splits level by level', () => {
  it('admits a tight high-priority deployment thinly before lower levels fill the GPUs', () => {
    // tight: 20 fps (one whole GPU) within 16 ms: 1 + 10/(1 − u) ≤ 16 needs u ≤ 1/3 on every GPU of det,
    // so only a split over ≥ 3 GPUs at low utilisation admits it (packed or in 2 pieces it misses).
    // The loose priority-1 ones (15 fps each) would fill all four GPUs at 0.75 first otherwise.
    const loose = Array.from({ length: 4 }, (_, i) => ({ name: `l${i}`, app: 'cam', fps: 15, latencyMs: 1000 }));
    const w = cluster([{ name: 'tight', app: 'cam', fps: 20, latencyMs: 16, priority: 2 }, ...loose]);
    const plan = planValid(w, { strategy: 'rim' });
    assert.ok(admitted(plan).has('tight'), JSON.stringify(plan.rejected));
    const det = plan.placements.filter((p) => p.deployment === 'tight' && p.module === 'det');
    assert.ok(det.length >= 3, `det spread over ${det.length} GPUs`);
  });
});
