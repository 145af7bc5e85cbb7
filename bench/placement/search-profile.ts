/**
 * Where the search's time goes: per instance, the constructive passes alone
 * (steps 0) and the whole plan with the step budget, each run `--runs` times
 * in one process (the later runs warm), with the search's counters (steps,
 * accepted, re-inserts tried / failed / skipped by the failure memory).
 * No clock: the step budget binds (deterministic).
 *   node --import tsx bench/placement/search-profile.ts [--only file|NAME-PREFIX] [--runs N] [--steps N]
 *     [--no-memo] [--no-prune] [--moves room,random,inTheWay,slack]
 */
import { HighsSolver } from '../../src/adapters/highs-solver.js';
import { freshPlan } from '../../src/domain/placement/passes/fresh-plan.js';
import type { SearchStats } from '../../src/domain/placement/passes/search.js';
import { buildProblem, type Problem } from '../../src/domain/placement/problem.js';
import { generatedWorkloads } from './bound-study.js';
import { loadTestbed } from './scenarios.js';

const arg = (n: string): string | undefined => {
  const i = process.argv.indexOf(n);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const only = arg('--only');
const runs = Number(arg('--runs') ?? 3);
const steps = arg('--steps') === undefined ? undefined : Number(arg('--steps'));
const memo = !process.argv.includes('--no-memo');
const prune = !process.argv.includes('--no-prune');
const mv = arg('--moves')?.split(',').map(Number);
const moves = mv && { room: mv[0]!, random: mv[1]!, inTheWay: mv[2]!, slack: mv[3]! };

const cat = loadTestbed();
const items: Array<{ name: string; p: Problem }> = [];
if (!only || only === 'file') {
  items.push({ name: 'file', p: buildProblem(cat.cluster, cat.apps, cat.profiles, cat.deployments) });
}
if (only !== 'file') {
  for (const w of generatedWorkloads(cat, await HighsSolver.load(), [1, 2, 3])) {
    if (!only || w.name.startsWith(only)) {
      items.push({ name: w.name, p: buildProblem(w.cluster, cat.apps, cat.profiles, w.at(1)) });
    }
  }
}
for (const { name, p } of items) {
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    freshPlan(p, { steps: 0 });
    const constructive = performance.now() - t0;
    const stats = {} as SearchStats;
    const t1 = performance.now();
    const { state } = freshPlan(p, { steps, memo, prune, moves, stats });
    const all = performance.now() - t1;
    const levels = [...new Set(p.deployments.map((d) => d.priority))].sort((a, b) => b - a);
    const by = levels.map((l) =>
      p.deployments.filter((d) => d.priority === l && state.isPlaced(d.index)).reduce((a, d) => a + d.fps, 0),
    );
    const perStep = (all - constructive) / Math.max(1, stats.steps);
    process.stdout.write(
      `${name} run ${i + 1}: constructive ${constructive.toFixed(1)} ms, with search ${all.toFixed(1)} ms, ` +
        `${perStep.toFixed(2)} ms/step; steps ${stats.steps} accepted ${stats.accepted}, re-inserts tried ` +
        `${stats.tried} failed ${stats.failed} skipped ${stats.skipped} pruned ${stats.pruned}; fps ${by.join('/')}\n`,
    );
  }
}
