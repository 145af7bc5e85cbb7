/**
 * rim's admitted fps, by priority, on the paper testbed (its file and cycled
 * to load 1.0) and the six 64-node workloads of the bound study, without a
 * clock (the search runs its step budget: deterministic), with the share of
 * the latency-aware bound of round 6 (docs/performance.md; constants here,
 * so no HiGHS run) and the CPU time of each plan (a cold process: the first
 * includes the JIT). Every plan goes through the validator.
 *   node --import tsx bench/placement/rim-eval.ts [--steps N] [--seed S] [--only file|paper]
 *     [--moves room,random,inTheWay,slack] [--in-order Q] [--no-memo]
 *     (the search's ruin-move weights and share of in-order steps; search.ts's defaults)
 */
import { HighsSolver } from '../../src/adapters/highs-solver.js';
import { freshPlan } from '../../src/domain/placement/passes/fresh-plan.js';
import { buildPlan } from '../../src/domain/placement/plan-build.js';
import { buildProblem } from '../../src/domain/placement/problem.js';
import { validatePlan } from '../../src/domain/placement/validator.js';
import type { ClusterSpec, Deployment } from '../../src/domain/types.js';
import { generatedWorkloads } from './bound-study.js';
import { loadTestbed, scenarios } from './scenarios.js';

const arg = (n: string): string | undefined => {
  const i = process.argv.indexOf(n);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const steps = arg('--steps') === undefined ? undefined : Number(arg('--steps'));
const seed = arg('--seed') === undefined ? undefined : Number(arg('--seed'));
const only = arg('--only');
const mv = arg('--moves')?.split(',').map(Number);
const inOrder = arg('--in-order') === undefined ? undefined : Number(arg('--in-order'));
const moves = mv && { room: mv[0]!, random: mv[1]!, inTheWay: mv[2]!, slack: mv[3]! };
/** The latency-aware bound, round 6 (bench/placement/bound-run.ts, bench/results/placement.json's `bound`). */
const BOUNDS: Record<string, number> = {
  file: 265,
  'load 1.0': 195,
  'paper-like 64 nodes seed 1': 1470,
  'paper-like 64 nodes seed 2': 1200,
  'paper-like 64 nodes seed 3': 1430,
  'mixed 64 nodes seed 1': 1150,
  'mixed 64 nodes seed 2': 1060,
  'mixed 64 nodes seed 3': 1050,
};

const solver = await HighsSolver.load();
const cat = loadTestbed();
const items: Array<{ name: string; cluster: ClusterSpec; d: Deployment[] }> = [
  { name: 'file', cluster: cat.cluster, d: cat.deployments },
];
if (only !== 'file') items.push({ name: 'load 1.0', cluster: cat.cluster, d: scenarios(cat, solver, [])[0]!.at(1) });
if (!only) {
  for (const w of generatedWorkloads(cat, solver, [1, 2, 3]))
    items.push({ name: w.name, cluster: w.cluster, d: w.at(1) });
}
const shares: number[] = [];
for (const it of items) {
  const p = buildProblem(it.cluster, cat.apps, cat.profiles, it.d);
  const c0 = process.cpuUsage();
  const { state, reasons } = freshPlan(p, { steps, seed, moves, inOrder, memo: !process.argv.includes('--no-memo') });
  const c = process.cpuUsage(c0);
  const violations = validatePlan(p, buildPlan('rim', state, reasons)).length;
  const levels = [...new Set(p.deployments.map((d) => d.priority))].sort((a, b) => b - a);
  const by = levels.map((l) =>
    p.deployments.filter((d) => d.priority === l && state.isPlaced(d.index)).reduce((a, d) => a + d.fps, 0),
  );
  const fps = by.reduce((a, b) => a + b, 0);
  const demoted = p.deployments.filter((d) => state.shares[d.index]!.some((s) => s.variant !== 'default')).length;
  process.stdout.write(`demoted ${demoted} of ${p.deployments.filter((d) => state.isPlaced(d.index)).length}; `);
  const share = fps / BOUNDS[it.name]!;
  if (it.name.includes('64')) shares.push(share);
  process.stdout.write(
    `${it.name}: ${fps} fps (${by.join('/')}) ${(share * 100).toFixed(1)}% of the bound, ` +
      `cpu ${((c.user + c.system) / 1000).toFixed(0)} ms, ${violations} violations\n`,
  );
}
if (shares.length) {
  const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
  process.stdout.write(`64-node mean ${(mean * 100).toFixed(1)}%, lowest ${(Math.min(...shares) * 100).toFixed(1)}%\n`);
}
