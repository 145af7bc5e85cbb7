/** The latency-aware upper bound: below the capacity-only one where latency binds, never below a valid plan. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { latencyBound, priorityBound } from '../../../../src/domain/placement/latency-bound.js';
import { lpUpperBound } from '../../../../src/domain/placement/lp-bound.js';
import { buildProblem } from '../../../../src/domain/placement/problem.js';
import { propertyParams } from '../../../support/property-seed.js';
import { chainApp, gpuNode, milpSolver, NET, planValid, prof } from './fixtures.js';

describe('latency-aware bound', () => {
  it('accounts for latency: a tight target caps the utilisation of the GPU', async () => {
    const solver = await milpSolver();
    const cluster = { nodes: [gpuNode('n1', [['A', 8000]])], network: NET };
    const apps = [chainApp('cam', ['det'])];
    const profiles = [prof('cam', 'decode', 'cpu', 1000, 1, { cpuCores: 0.1 }), prof('cam', 'det', 'A', 20, 10)];
    // 10 / (1 − u) + 1 ≤ 16 → u ≤ 1/3: at most 6.7 fps; the grid's bucket (0.3, 0.4] gives 8.
    const deployments = Array.from({ length: 6 }, (_, i) => ({ name: `d${i}`, app: 'cam', fps: 3, latencyMs: 16 }));
    const p = buildProblem(cluster, apps, profiles, deployments);
    const b = latencyBound(p, solver).fps;
    assert.ok(b >= 20 / 3 - 1e-6 && b <= 8 + 1e-6, String(b));
    assert.ok(lpUpperBound(p, solver).fps > 17);
    // The priority-respecting bound never exceeds the plain one.
    assert.ok(priorityBound(p, solver, [6]).fps <= b + 1e-6);
  });

  it("charges a path's modules together: two GPU modules on one GPU share the target", async () => {
    const solver = await milpSolver();
    const cluster = { nodes: [gpuNode('n1', [['A', 8000]])], network: NET };
    const apps = [chainApp('cam', ['det', 'cls'])];
    const profiles = [
      prof('cam', 'decode', 'cpu', 1000, 1, { cpuCores: 0.01 }),
      prof('cam', 'det', 'A', 20, 10),
      prof('cam', 'cls', 'A', 20, 10),
    ];
    // Each module alone, the rest at its fastest: 10/(1 − u) + 11 ≤ 30 → u ≤ 0.47, bucket (0.4, 0.5]: 5 fps.
    // Together: 1 + 2·10/(1 − u) ≤ 30 → u ≤ 0.31 (3.1 fps); the path rows allow ~4 (4.07: the LP mixes buckets).
    const deployments = Array.from({ length: 8 }, (_, i) => ({ name: `d${i}`, app: 'cam', fps: 1, latencyMs: 30 }));
    const b = latencyBound(buildProblem(cluster, apps, profiles, deployments), solver).fps;
    assert.ok(b >= 3.1 - 1e-6 && b <= 4.1, String(b));
  });

  it('is never below a valid plan (random small instances, rim and the MILP optimum)', async (t) => {
    const solver = await milpSolver();
    const instance = fc.record({
      gpus: fc.array(fc.constantFrom('A', 'B'), { minLength: 1, maxLength: 3 }),
      fA: fc.integer({ min: 8, max: 40 }),
      fB: fc.integer({ min: 8, max: 40 }),
      lA: fc.integer({ min: 5, max: 40 }),
      lB: fc.integer({ min: 5, max: 40 }),
      deps: fc.array(
        fc.record({
          fps: fc.integer({ min: 1, max: 12 }),
          latencyMs: fc.integer({ min: 10, max: 120 }),
          priority: fc.integer({ min: 0, max: 1 }),
        }),
        { minLength: 1, maxLength: 5 },
      ),
    });
    fc.assert(
      fc.property(instance, (x) => {
        const cluster = { nodes: x.gpus.map((m, i) => gpuNode(`n${i}`, [[m, 8000]])), network: NET };
        const apps = [chainApp('cam', ['det'])];
        const profiles = [
          prof('cam', 'decode', 'cpu', 500, 1, { cpuCores: 0.1 }),
          prof('cam', 'det', 'A', x.fA, x.lA),
          prof('cam', 'det', 'B', x.fB, x.lB),
        ];
        const deployments = x.deps.map((d, i) => ({ name: `d${i}`, app: 'cam', ...d }));
        const w = { cluster, apps, profiles, deployments };
        const bound = latencyBound(buildProblem(cluster, apps, profiles, deployments), solver).fps;
        for (const strategy of ['rim', 'optimal']) {
          const plan = planValid(w, { strategy, solver, timeLimitMs: 2000 });
          const out = new Set(plan.rejected.map((r) => r.deployment));
          const got = deployments.filter((d) => !out.has(d.name)).reduce((a, d) => a + d.fps, 0);
          if (got > bound + 1e-6) throw new Error(`${strategy} admits ${got} fps over the bound ${bound}`);
        }
      }),
      propertyParams(40, (l) => t.diagnostic(l)),
    );
  });
});

describe('latency-aware bound, two GPU modules per path', () => {
  it('is never below a valid plan (random small instances, rim and the MILP optimum)', async (t) => {
    const solver = await milpSolver();
    const instance = fc.record({
      gpus: fc.array(fc.constantFrom('A', 'B'), { minLength: 1, maxLength: 3 }),
      f: fc.array(fc.integer({ min: 8, max: 40 }), { minLength: 4, maxLength: 4 }),
      l: fc.array(fc.integer({ min: 5, max: 30 }), { minLength: 4, maxLength: 4 }),
      deps: fc.array(
        fc.record({
          fps: fc.integer({ min: 1, max: 10 }),
          latencyMs: fc.integer({ min: 15, max: 120 }),
          priority: fc.integer({ min: 0, max: 1 }),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    });
    fc.assert(
      fc.property(instance, (x) => {
        const cluster = { nodes: x.gpus.map((m, i) => gpuNode(`n${i}`, [[m, 8000]])), network: NET };
        const apps = [chainApp('cam', ['det', 'cls'])];
        const profiles = [
          prof('cam', 'decode', 'cpu', 500, 1, { cpuCores: 0.1 }),
          prof('cam', 'det', 'A', x.f[0]!, x.l[0]!),
          prof('cam', 'det', 'B', x.f[1]!, x.l[1]!),
          prof('cam', 'cls', 'A', x.f[2]!, x.l[2]!),
          prof('cam', 'cls', 'B', x.f[3]!, x.l[3]!),
        ];
        const deployments = x.deps.map((d, i) => ({ name: `d${i}`, app: 'cam', ...d }));
        const w = { cluster, apps, profiles, deployments };
        const bound = latencyBound(buildProblem(cluster, apps, profiles, deployments), solver).fps;
        for (const strategy of ['rim', 'optimal']) {
          const plan = planValid(w, { strategy, solver, timeLimitMs: 2000 });
          const out = new Set(plan.rejected.map((r) => r.deployment));
          const got = deployments.filter((d) => !out.has(d.name)).reduce((a, d) => a + d.fps, 0);
          if (got > bound + 1e-6) throw new Error(`${strategy} admits ${got} fps over the bound ${bound}`);
        }
      }),
      propertyParams(25, (l) => t.diagnostic(l)),
    );
  });
});
