/** rim uses fragments: a module's fps split over accelerators that each have a little room left. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment } from '../../../../src/domain/types.js';
import { admitted, chainApp, gpuNode, NET, planValid, prof, type Workload } from './fixtures.js';

/** Three nodes of one GPU "A"; `cam` = decode → det (20 fps per GPU). */
function cluster(deployments: Deployment[]): Workload {
  return {
    cluster: { nodes: ['n1', 'n2', 'n3'].map((id) => gpuNode(id, [['A', 8000]])), network: NET },
    apps: [chainApp('cam', ['det'])],
    profiles: [prof('cam', 'decode', 'cpu', 200, 2, { cpuCores: 0.1 }), prof('cam', 'det', 'A', 20, 10)],
    deployments,
  };
}
const dep = (name: string, fps: number, priority: number): Deployment => ({
  name,
  app: 'cam',
  fps,
  latencyMs: 1000,
  priority,
});

describe('rim fragments', () => {
  it('admits a deployment no single GPU has room for by splitting it over the pieces left', () => {
    // a, b, c take 0.5 of each GPU (10 of 20 fps): 0.4 left on each under the 0.1 headroom.
    // x needs 16 fps = 0.8 of a GPU: only a split over two GPUs' 0.4 admits it.
    const w = cluster([dep('a', 10, 2), dep('b', 10, 2), dep('c', 10, 2), dep('x', 16, 1)]);
    const plan = planValid(w, { strategy: 'rim' });
    assert.ok(admitted(plan).has('x'), JSON.stringify(plan.rejected));
    const det = plan.placements.filter((p) => p.deployment === 'x' && p.module === 'det');
    assert.ok(det.length >= 2, 'det is split over several GPUs');
    assert.ok(Math.abs(det.reduce((s, p) => s + p.fps, 0) - 16) < 1e-6);
    for (const id of ['n1/n1-gpu0', 'n2/n2-gpu0', 'n3/n3-gpu0']) assert.ok(plan.utilisation[id]! <= 0.9 + 1e-9);
  });

  it('rejects it, with a reason, when even the pieces together are too small', () => {
    // 0.4 × 3 = 1.2 GPUs = 24 fps: 25 fps fits no split.
    const w = cluster([dep('a', 10, 2), dep('b', 10, 2), dep('c', 10, 2), dep('x', 25, 1)]);
    const plan = planValid(w, { strategy: 'rim' });
    assert.ok(!admitted(plan).has('x'));
    assert.match(plan.rejected.find((r) => r.deployment === 'x')!.reason, /GPU/);
  });
});
