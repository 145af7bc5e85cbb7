/**
 * How far from optimal is rim on the paper testbed, with proofs, for two
 * objectives: (a) total admitted fps, priorities ignored; (b) priority-
 * lexicographic (what rim and `optimal` aim at: the most fps at the highest
 * level, then, keeping that, at the next, and so on).
 *   1. Deployments no valid plan admits even alone (admissible.ts) are out.
 *   2. Upper bounds from the path-aware LP (path-bound.ts): (a) directly;
 *      (b) level by level: a level whose bound equals rim's fps there is
 *      pinned (rim is optimal at it) and kept as a floor below; the first
 *      level left open ends the chain, and (b)'s total is bounded with the
 *      pinned floors (valid: the lexicographic optimum meets them).
 *   3. Valid plans (lower bounds) from the restricted MILP (exact-model.ts,
 *      a fine utilisation grid, charged at each level's top), warm-started
 *      from rim; for (b) with the pinned levels' deployments fixed in. Each
 *      is checked by the validator.
 * The relaxed MILP (exact-model.ts `relax`) would sandwich the optimum
 * exactly, but HiGHS cannot close it in minutes here (see docs/performance.md).
 *
 *   node --import tsx bench/placement/exact.ts [--ms 60000] [--grid 0.05] [--path-step 20]
 *
 * Prints its findings; writes bench/results/placement-exact.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { HighsSolver } from '../../src/adapters/highs-solver.js';
import type { ClusterState } from '../../src/domain/placement/cluster-state.js';
import type { MilpSolver } from '../../src/domain/placement/milp.js';
import { freshPlan } from '../../src/domain/placement/passes/fresh-plan.js';
import { buildProblem, type DeploymentInfo, type Problem } from '../../src/domain/placement/problem.js';
import { startFrom } from '../../src/domain/placement/strategies/optimal-start.js';
import { latencyBound } from '../../src/domain/placement/latency-bound.js';
import { mayFitAlone } from '../../src/domain/placement/admissible.js';
import { admissionScore, priorityLevels } from '../../src/domain/placement/strategy.js';
import { buildExactModel, planOf } from './exact-model.js';
import { pathBound } from './path-bound.js';
import { loadTestbed } from './scenarios.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const limitMs = Number(flag('ms') ?? 60000);
const step = Number(flag('grid') ?? 0.05);
const pathStep = Number(flag('path-step') ?? 20);
const log = (s: string) => process.stderr.write(`${s}\n`);

const GRID = Array.from({ length: Math.round(0.9 / step) }, (_, i) => Number(((i + 1) * step).toFixed(4)));

interface Solve {
  /** fps of the valid plan found (restrict) or the proved upper bound (relax) */
  value: number;
  status: string;
  /** per-level fps of the plan found, highest first (restrict only) */
  levels?: number[];
  violations?: number;
  seconds: number;
}

/**
 * One solve: maximise Σ weight(d)·a[d] under `floors` (priority → fps that
 * level must keep), warm-started from `start` (a valid plan) when it meets them.
 */
function solve(
  p: Problem,
  solver: MilpSolver,
  weight: (d: DeploymentInfo) => number,
  fixed: ReadonlySet<number>,
  start: ClusterState,
  seconds: number,
): Solve {
  const model = buildExactModel(p, p.deployments, {
    form: 'restrict',
    grid: GRID,
    fixed,
    extraLevels: p.slots.map((s) => start.util(s.index)),
  });
  for (const d of p.deployments) model.b.cols[model.admit.get(d.index)!]!.cost = weight(d);
  const t0 = performance.now();
  const init = startFrom(p, model, start, -Infinity);
  const r = solver.solve(model.b.model(), { timeLimitS: seconds, relGap: 1e-6, start: init });
  const took = Number(((performance.now() - t0) / 1000).toFixed(1));
  if (!r.feasible) return { value: 0, status: r.status, seconds: took };
  const got = planOf(p, model, r.values);
  const value = p.deployments.reduce(
    (a, d) => a + (got.plan.rejected.some((x) => x.deployment === d.name) ? 0 : weight(d)),
    0,
  );
  return { value, status: r.status, levels: got.levels, violations: got.violations, seconds: took };
}

async function main(): Promise<void> {
  const solver = await HighsSolver.load();
  const cat = loadTestbed(flag('dir'));
  const p = buildProblem(cat.cluster, cat.apps, cat.profiles, cat.deployments);
  const rim = freshPlan(p).state;
  const levels = priorityLevels(p.deployments);
  const rimLevels = admissionScore(rim);
  const s = limitMs / 1000;
  log(`rim ${rimLevels.join('/')}; MILP grid step ${step} (${GRID.length} levels), ${s} s per solve`);
  // 1. Deployments no valid plan admits, even alone on the empty cluster.
  const drop = new Set(p.deployments.filter((d) => mayFitAlone(p, d, solver) === false).map((d) => d.index));
  log(`inadmissible alone: ${[...drop].map((i) => p.deployments[i]!.name).join(', ') || 'none'}`);
  // 2. Upper bounds: the path-aware LP, total, and level by level with the pinned floors.
  const bound = (o: { floors?: Map<number, number>; weights?: Map<number, number> }) =>
    pathBound(p, solver, { drop, stepMs: pathStep, ...o });
  const totalUb = bound({}).fps;
  log(`(a) total fps ≤ ${totalUb.toFixed(2)}`);
  const floors = new Map<number, number>();
  const lexLevels: Array<{ priority: number; offered: number; rim: number; upperBound: number; pinned: boolean }> = [];
  for (const [i, level] of levels.entries()) {
    const ub =
      bound({ floors, weights: new Map(levels.map((l) => [l, l === level ? 1 : 0])) }).byPriority.get(level) ?? 0;
    const pinned = ub <= rimLevels[i]! + 1e-6;
    const offered = p.deployments.filter((d) => d.priority === level).reduce((a, d) => a + d.fps, 0);
    lexLevels.push({ priority: level, offered, rim: rimLevels[i]!, upperBound: Number(ub.toFixed(2)), pinned });
    log(
      `(b) priority ${level}: rim ${rimLevels[i]}, ≤ ${ub.toFixed(2)}${pinned ? ' (pinned: rim is optimal here)' : ''}`,
    );
    if (!pinned) break;
    floors.set(level, rimLevels[i]!);
  }
  const lexUb = bound({ floors }).fps;
  log(`(b) priority-lexicographic total ≤ ${lexUb.toFixed(2)}`);
  // 3. Valid plans from the restricted MILP, warm-started from rim: the pinned levels' deployments fixed in.
  const fixed = new Set(
    p.deployments.filter((d) => floors.has(d.priority) && rim.isPlaced(d.index)).map((d) => d.index),
  );
  const fps = (d: DeploymentInfo) => d.fps;
  const lexLb = solve(p, solver, fps, fixed, rim, s);
  log(`(b) MILP plan: ${lexLb.value} fps (${lexLb.levels?.join('/')}), ${lexLb.status}, ${lexLb.seconds} s`);
  const totalLb = solve(p, solver, fps, new Set(), rim, s);
  log(`(a) MILP plan: ${totalLb.value} fps (${totalLb.levels?.join('/')}), ${totalLb.status}, ${totalLb.seconds} s`);
  const out = {
    generatedBy: `node --import tsx bench/placement/exact.ts --ms ${limitMs} --grid ${step} --path-step ${pathStep}`,
    workload: flag('dir') ?? 'samples/workloads/paper-testbed',
    rim: { fps: rimLevels.reduce((a, x) => a + x, 0), byPriority: rimLevels },
    inadmissibleAlone: [...drop].map((i) => p.deployments[i]!.name),
    latencyAwareLpBound: Number(latencyBound(p, solver).fps.toFixed(2)),
    total: {
      upperBound: Number(totalUb.toFixed(2)),
      milpPlanFps: totalLb.value,
      milpPlanByPriority: totalLb.levels,
      violations: totalLb.violations,
      status: totalLb.status,
    },
    lexicographic: {
      levels: lexLevels,
      upperBound: Number(lexUb.toFixed(2)),
      milpPlanFps: lexLb.value,
      milpPlanByPriority: lexLb.levels,
      violations: lexLb.violations,
      status: lexLb.status,
    },
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/placement-exact.json', `${JSON.stringify(out, null, 2)}\n`);
}

await main();
