/** The seeded workload generator and the capacity-only LP bound. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capacityBound, lpUpperBound } from '../../../../src/domain/placement/lp-bound.js';
import { buildProblem } from '../../../../src/domain/placement/problem.js';
import {
  cycleDeployments,
  generateCluster,
  generateDeployments,
  shapeOf,
} from '../../../../src/domain/placement/workload-gen.js';
import { chainApp, gpuNode, milpSolver, NET, prof, testbed } from './fixtures.js';

describe('workload generator', () => {
  it('is deterministic by seed, any size, and reaches the fps asked for', () => {
    const a = generateCluster({ nodes: 40, seed: 3 });
    assert.deepEqual(a, generateCluster({ nodes: 40, seed: 3 }));
    assert.notDeepEqual(a, generateCluster({ nodes: 40, seed: 4 }));
    assert.equal(a.nodes.length, 40);
    assert.equal(
      new Set(a.nodes.flatMap((n) => n.accelerators.map((x) => x.id))).size,
      a.nodes.reduce((s, n) => s + n.accelerators.length, 0),
    );
    const shape = shapeOf(testbed().deployments);
    const d = generateDeployments({ shape, totalFps: 500, seed: 9 });
    assert.deepEqual(d, generateDeployments({ shape, totalFps: 500, seed: 9 }));
    const sum = d.reduce((s, x) => s + x.fps, 0);
    assert.ok(sum >= 500 && sum < 530, String(sum));
    assert.equal(generateDeployments({ shape, totalFps: Infinity, seed: 1, count: 77 }).length, 77);
    const c = cycleDeployments(testbed().deployments, 700);
    assert.equal(new Set(c.map((x) => x.name)).size, c.length);
  });
});

describe('capacity-only LP bound', () => {
  it('is the GPU capacity when GPUs bind, and caps at the offered fps', async () => {
    const solver = await milpSolver();
    const cluster = {
      nodes: [
        gpuNode('n1', [
          ['A', 8000],
          ['A', 8000],
        ]),
        gpuNode('n2', [['A', 8000]]),
      ],
      network: NET,
    };
    const apps = [chainApp('cam', ['det'])];
    const profiles = [prof('cam', 'decode', 'cpu', 1000, 1, { cpuCores: 0.1 }), prof('cam', 'det', 'A', 20, 10)];
    // 3 GPUs × 0.9 × 20 fps = 54 fps.
    const many = Array.from({ length: 10 }, (_, i) => ({ name: `d${i}`, app: 'cam', fps: 10, latencyMs: 1000 }));
    assert.ok(Math.abs(lpUpperBound(buildProblem(cluster, apps, profiles, many), solver).fps - 54) < 1e-6);
    assert.ok(Math.abs(lpUpperBound(buildProblem(cluster, apps, profiles, many.slice(0, 2)), solver).fps - 20) < 1e-6);
    assert.ok(
      Math.abs(
        capacityBound(buildProblem(cluster, apps, profiles, []), solver, { mix: new Map([['cam', 1]]) }).fps - 54,
      ) < 1e-6,
    );
  });
});
