/**
 * The strategy interface: every placement strategy is a pure function of the
 * normalised problem (and the previous plan, for re-planning) to a plan.
 */
import type { Plan } from '../types.js';
import type { ClusterState } from './cluster-state.js';
import type { MilpSolver } from './milp.js';
import type { Problem } from './problem.js';

/** rim re-planning: what may move (see PlanOptions.replan). */
export type ReplanPolicy = 'minimal' | 'admit-more';

export interface PlanOptions {
  /** `rim` (default), `nexus`, `spread`, `ffd`, `optimal`. */
  strategy?: string;
  /** Share of every GPU and of every node's cores kept free; 0.1 by default. */
  headroom?: number;
  /** The MILP solver (`optimal` and the LP bound need one; loaded by the caller). */
  solver?: MilpSolver;
  /** `optimal`: wall-clock limit for the solver, ms (default 20000). */
  timeLimitMs?: number;
  /**
   * rim re-planning: `admit-more` (default) moves running replicas when that
   * admits more; `minimal` moves only what the change displaced.
   */
  replan?: ReplanPolicy;
  /** rim: the neighbourhood search stops this many ms after the plan started (needs `clock`; default by size). */
  searchMs?: number;
  /** Milliseconds from some fixed origin, to fill `solveMs` (e.g. `performance.now`); 0 without it. */
  clock?: () => number;
}

export interface StrategyContext {
  problem: Problem;
  options: PlanOptions;
  previous?: Plan;
}

export interface Strategy {
  name: string;
  /** What it is and where it departs from its source (shown by `rim plan --help`). */
  summary: string;
  /**
   * `solver`: needs a MilpSolver in `options.solver`, loaded by the caller, and
   * may run for its whole time limit (synchronously).
   */
  needs?: 'solver';
  plan(ctx: StrategyContext): Plan;
}

/** The priority levels of `deployments`, highest first. */
export function priorityLevels(deployments: readonly { priority: number }[]): number[] {
  return [...new Set(deployments.map((d) => d.priority))].sort((a, b) => b - a);
}

/** Admitted fps per priority level, highest level first: plans compare lexicographically on this. */
export function admissionScore(state: ClusterState): number[] {
  const levels = priorityLevels(state.p.deployments);
  const byLevel = new Map(levels.map((l) => [l, 0]));
  for (const d of state.p.deployments)
    if (state.isPlaced(d.index)) byLevel.set(d.priority, byLevel.get(d.priority)! + d.fps);
  return levels.map((l) => byLevel.get(l)!);
}

/** -1, 0, 1 as `a` admits less, the same, more than `b` (priority-lexicographic). */
export function compareScores(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (Math.abs(d) > 1e-9) return d > 0 ? 1 : -1;
  }
  return 0;
}
