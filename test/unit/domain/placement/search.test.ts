import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freshPlan } from '../../../../src/domain/placement/passes/fresh-plan.js';
import { buildPlan } from '../../../../src/domain/placement/plan-build.js';
import { buildProblem } from '../../../../src/domain/placement/problem.js';
import { admissionScore, compareScores } from '../../../../src/domain/placement/strategy.js';
import { validatePlan } from '../../../../src/domain/placement/validator.js';
import { generateCluster, generateDeployments, shapeOf } from '../../../../src/domain/placement/workload-gen.js';
import { planPlacement } from '../../../../src/domain/placement/index.js';
import { testbed } from './fixtures.js';

describe('rim neighbourhood search', () => {
  // 6 generated nodes, seed 3, 17 deployments: the constructive passes admit 65 + 105 fps (two priority levels),
  // the search re-packs the lifted nodes and admits 65 + 120.
  const tb = testbed();
  const cluster = generateCluster({ nodes: 6, seed: 3 });
  const deployments = generateDeployments({ shape: shapeOf(tb.deployments), totalFps: 6 * 35, seed: 3 });
  const problem = () => buildProblem(cluster, tb.apps, tb.profiles, deployments);

  it('finds what one constructive pass misses, and the plan stays valid', () => {
    const onePass = freshPlan(problem(), { steps: 0 });
    const p = problem();
    const searched = freshPlan(p, { steps: 60 });
    const a = admissionScore(onePass.state);
    const b = admissionScore(searched.state);
    assert.equal(compareScores(b, a), 1, `search ${b} should beat one pass ${a}`);
    assert.deepEqual(validatePlan(p, buildPlan('rim', searched.state, searched.reasons)), []);
  });

  it('is deterministic for a seed', () => {
    const x = freshPlan(problem(), { steps: 30, seed: 5 });
    const y = freshPlan(problem(), { steps: 30, seed: 5 });
    assert.deepEqual(x.state.shares, y.state.shares);
  });

  it('stops when its time is spent', () => {
    let reads = 0;
    freshPlan(problem(), { steps: 1000, clock: () => ++reads, ms: 3 });
    // One read for the deadline, then one per step until it is past: 1000 steps cut to a handful.
    assert.ok(reads <= 6, `${reads} clock reads`);
  });

  it('admits 225 fps on the paper testbed file with its default budget (no clock: the step count alone)', () => {
    // 45 / 95 / 85 fps at priorities 3 / 2 / 1. Before the search re-inserted lightest variants first it stopped at
    // 210 (70 at priority 1); the budget before that (60 steps after the improvement pass) at 195.
    const plan = planPlacement(tb.cluster, tb.apps, tb.profiles, tb.deployments, { strategy: 'rim' });
    const rejected = new Set(plan.rejected.map((r) => r.deployment));
    const byPriority = [3, 2, 1].map((pr) =>
      tb.deployments.filter((d) => d.priority === pr && !rejected.has(d.name)).reduce((a, d) => a + d.fps, 0),
    );
    assert.deepEqual(byPriority, [45, 95, 85]);
    assert.deepEqual(validatePlan(buildProblem(tb.cluster, tb.apps, tb.profiles, tb.deployments), plan), []);
  });
});
