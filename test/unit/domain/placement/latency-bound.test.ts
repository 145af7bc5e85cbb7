/** The latency-aware upper bound: below the capacity-only one where latency binds, never below a valid plan. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BOUND_LEVELS, latencyBound, priorityBound } from '../../../../src/domain/placement/latency-bound.js';
import { lpUpperBound } from '../../../../src/domain/placement/lp-bound.js';
import type { MilpSolver } from '../../../../src/domain/placement/milp.js';
import { admittedByLevel } from '../../../../src/domain/placement/plan-bound.js';
import { buildProblem } from '../../../../src/domain/placement/problem.js';
import { floorToSubsetSum } from '../../../../src/domain/placement/subset-sum.js';
import { propertyParams } from '../../../support/property-seed.js';
import { chainApp, gpuNode, milpSolver, NET, planValid, prof, type Workload } from './fixtures.js';

describe('latency-aware bound', () => {
  it('accounts for latency: a tight target caps the utilisation of the GPU', async () => {
    const solver = await milpSolver();
    const cluster = { nodes: [gpuNode('n1', [['A', 8000]])], network: NET };
    const apps = [chainApp('cam', ['det'])];
    const profiles = [prof('cam', 'decode', 'cpu', 1000, 1, { cpuCores: 0.1 }), prof('cam', 'det', 'A', 20, 10)];
    // 10 / (1 − u) + 1 ≤ 16 → u ≤ 1/3: at most 6.7 fps; the grid's bucket (0.323, 0.355] gives 7.1 (the
    // round-5 grid's (0.3, 0.4] gave 8), and whole deployments of 3 fps make it 6.
    const deployments = Array.from({ length: 6 }, (_, i) => ({ name: `d${i}`, app: 'cam', fps: 3, latencyMs: 16 }));
    const p = buildProblem(cluster, apps, profiles, deployments);
    const b = latencyBound(p, solver).fps;
    assert.equal(b, 6);
    const fluid = latencyBound(p, solver, { weights: new Map([[0, 1]]) }).fps; // weights: not floored
    assert.ok(fluid >= 20 / 3 - 1e-6 && fluid <= 7.11, String(fluid));
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
    // Together: 1 + 2·10/(1 − u) ≤ 30 → u ≤ 0.31 (3.1 fps); the path rows allow less than 4 (the LP mixes
    // buckets); whole deployments of 1 fps: 3.
    const deployments = Array.from({ length: 8 }, (_, i) => ({ name: `d${i}`, app: 'cam', fps: 1, latencyMs: 30 }));
    const p = buildProblem(cluster, apps, profiles, deployments);
    assert.equal(latencyBound(p, solver).fps, 3);
    const fluid = latencyBound(p, solver, { weights: new Map([[0, 1]]) }).fps;
    assert.ok(fluid >= 3.1 - 1e-6 && fluid < 4, String(fluid));
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
        const profiles = [
          prof('cam', 'decode', 'cpu', 500, 1, { cpuCores: 0.1 }),
          prof('cam', 'det', 'A', x.fA, x.lA),
          prof('cam', 'det', 'B', x.fB, x.lB),
        ];
        const deployments = x.deps.map((d, i) => ({ name: `d${i}`, app: 'cam', ...d }));
        checkAboveValidPlans({ cluster, apps: [chainApp('cam', ['det'])], profiles, deployments }, solver);
      }),
      propertyParams(40, (l) => t.diagnostic(l)),
    );
  });
});

/**
 * Every bound (the LP, the MILP's dual bound, the priority bound for rim's
 * plan) against the fps of rim's plan and of `optimal`'s (the MILP strategy:
 * exact on these small instances unless its time limit cuts it, and a valid
 * plan either way, checked by the validator).
 */
function checkAboveValidPlans(w: Workload, solver: MilpSolver): void {
  const p = buildProblem(w.cluster, w.apps, w.profiles, w.deployments);
  const lp = latencyBound(p, solver).fps;
  const milp = latencyBound(p, solver, { integralS: 5 }).fps;
  for (const strategy of ['rim', 'optimal']) {
    const plan = planValid(w, { strategy, solver, timeLimitMs: 2000 });
    const out = new Set(plan.rejected.map((r) => r.deployment));
    const got = w.deployments.filter((d) => !out.has(d.name)).reduce((a, d) => a + d.fps, 0);
    if (got > lp + 1e-6) throw new Error(`${strategy} admits ${got} fps over the LP bound ${lp}`);
    if (got > milp + 1e-6) throw new Error(`${strategy} admits ${got} fps over the MILP bound ${milp}`);
    if (strategy !== 'rim') continue;
    const prio = priorityBound(p, solver, admittedByLevel(p, plan)).fps;
    if (got > prio + 1e-6) throw new Error(`rim admits ${got} fps over its priority bound ${prio}`);
  }
}

describe('latency-aware bound, two and three GPU modules per path', () => {
  for (const gpuModules of [
    ['det', 'cls'],
    ['asr', 'mt', 'tts'],
  ])
    it(`is never below a valid plan (${gpuModules.length} GPU modules, random small instances)`, async (t) => {
      const solver = await milpSolver();
      const n = gpuModules.length;
      const instance = fc.record({
        gpus: fc.array(fc.constantFrom('A', 'B'), { minLength: 1, maxLength: 3 }),
        f: fc.array(fc.integer({ min: 8, max: 40 }), { minLength: 2 * n, maxLength: 2 * n }),
        l: fc.array(fc.integer({ min: 5, max: 30 }), { minLength: 2 * n, maxLength: 2 * n }),
        deps: fc.array(
          fc.record({
            fps: fc.integer({ min: 1, max: 10 }),
            latencyMs: fc.integer({ min: 15 * n, max: 120 }),
            priority: fc.integer({ min: 0, max: 1 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
      });
      fc.assert(
        fc.property(instance, (x) => {
          const cluster = { nodes: x.gpus.map((m, i) => gpuNode(`n${i}`, [[m, 8000]])), network: NET };
          const profiles = [
            prof('cam', 'decode', 'cpu', 500, 1, { cpuCores: 0.1 }),
            ...gpuModules.flatMap((m, i) => [
              prof('cam', m, 'A', x.f[2 * i]!, x.l[2 * i]!),
              prof('cam', m, 'B', x.f[2 * i + 1]!, x.l[2 * i + 1]!),
            ]),
          ];
          const deployments = x.deps.map((d, i) => ({ name: `d${i}`, app: 'cam', ...d }));
          checkAboveValidPlans({ cluster, apps: [chainApp('cam', gpuModules)], profiles, deployments }, solver);
        }),
        propertyParams(n === 2 ? 25 : 20, (l) => t.diagnostic(l)),
      );
    });
});

describe('whole deployments and the bucket grid', () => {
  it('lowers a bound to the largest sum of whole deployments under it', () => {
    assert.equal(floorToSubsetSum([5, 10, 15], 29.9), 25);
    assert.equal(floorToSubsetSum([5, 10, 15], 30), 30);
    assert.equal(floorToSubsetSum([7, 7, 7], 20.5), 14);
    assert.equal(floorToSubsetSum([2.5, 4], 5), 4);
    assert.equal(floorToSubsetSum([2.5, 4], 6.4), 4); // 6.5 is over
  });

  it('steps by at most 0.05 in utilisation and 5% in the latency factor', () => {
    let prev = 0;
    for (const c of BOUND_LEVELS) {
      assert.ok(c - prev <= 0.05 + 1e-9 && (1 - prev) / (1 - c) <= 1.05 + 1e-9, `${prev} → ${c}`);
      prev = c;
    }
    assert.equal(BOUND_LEVELS.filter((c) => c < 0.9).length, 47);
  });
});
