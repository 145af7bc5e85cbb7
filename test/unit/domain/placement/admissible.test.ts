/** Proofs that a deployment fits in no valid plan, even alone: sound against rim and the MILP; used by the bound. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { mayFitAlone, provedInadmissible } from '../../../../src/domain/placement/admissible.js';
import { planBound } from '../../../../src/domain/placement/plan-bound.js';
import { buildProblem } from '../../../../src/domain/placement/problem.js';
import { propertyParams } from '../../../support/property-seed.js';
import { chainApp, gpuNode, milpSolver, NET, planValid, prof, testbed } from './fixtures.js';

describe('admissibility alone', () => {
  it('proves the paper testbed’s nlp-21 (30 fps, 200 ms) inadmissible; lighter nlp deployments may fit', async () => {
    const solver = await milpSolver();
    const w = testbed();
    const p = buildProblem(w.cluster, w.apps, w.profiles, w.deployments);
    const out = provedInadmissible(p, p.deployments, solver);
    assert.deepEqual(
      [...out].map((i) => p.deployments[i]!.name),
      ['nlp-21'],
    );
    const light = buildProblem(w.cluster, w.apps, w.profiles, [{ name: 'x', app: 'nlp', fps: 10, latencyMs: 200 }]);
    assert.equal(mayFitAlone(light, light.deployments[0]!, solver), true);
    // The bound leaves it out: the priority bound then pins priority 3 at rim's 45 fps.
    const plan = planValid(w, { strategy: 'rim' });
    const b = planBound(w.cluster, w.apps, w.profiles, w.deployments, plan, solver);
    assert.deepEqual(b.inadmissible, ['nlp-21']);
    assert.ok(b.priorityBoundFps < b.boundFps - 1, `${b.priorityBoundFps} vs ${b.boundFps}`);
  });

  it('never rules out a deployment that rim or the MILP places alone (random small instances)', async (t) => {
    const solver = await milpSolver();
    const instance = fc.record({
      gpus: fc.array(fc.constantFrom('A', 'B'), { minLength: 1, maxLength: 3 }),
      f: fc.array(fc.integer({ min: 8, max: 40 }), { minLength: 4, maxLength: 4 }),
      l: fc.array(fc.integer({ min: 5, max: 40 }), { minLength: 4, maxLength: 4 }),
      fps: fc.integer({ min: 1, max: 40 }),
      latencyMs: fc.integer({ min: 20, max: 150 }),
    });
    let ruledOut = 0;
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
        const deployments = [{ name: 'd', app: 'cam', fps: x.fps, latencyMs: x.latencyMs }];
        const p = buildProblem(cluster, apps, profiles, deployments);
        if (mayFitAlone(p, p.deployments[0]!, solver) !== false) return;
        ruledOut++;
        for (const strategy of ['rim', 'optimal']) {
          const plan = planValid({ cluster, apps, profiles, deployments }, { strategy, solver, timeLimitMs: 2000 });
          if (plan.placements.length) throw new Error(`${strategy} placed a deployment proved inadmissible`);
        }
      }),
      propertyParams(40, (l) => t.diagnostic(l)),
    );
    assert.ok(ruledOut > 3, `the instances must exercise the proof (${ruledOut} ruled out)`);
  });
});
