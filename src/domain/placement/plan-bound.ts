/**
 * How far a plan is from optimal: the latency-aware upper bound
 * (latency-bound.ts) on what any valid plan admits, the bound on a plan that
 * admits the most priority by priority, and the plan's share of each. The
 * plan's rejected deployments that no valid plan admits even alone
 * (admissible.ts) are left out of both bounds first. With `integralS` the
 * total bound is also solved as a MILP (whole deployments, whole
 * accelerators; its dual bound after that many seconds): for small
 * clusters, where it is tighter.
 * O(priority levels) LPs, plus the admissibility proofs (and the MILP).
 */
import type { AppSpec, ClusterSpec, Deployment, Plan, Profile } from '../types.js';
import { provedInadmissible } from './admissible.js';
import { latencyBound, priorityBound } from './latency-bound.js';
import type { MilpSolver } from './milp.js';
import { buildProblem, DEFAULT_HEADROOM, type Problem } from './problem.js';

export interface PlanBound {
  /** rejected deployments that no valid plan admits, even alone (left out of the bounds) */
  inadmissible: string[];
  /** fps the plan admits */
  admittedFps: number;
  /** upper bound on any valid plan's admitted fps */
  boundFps: number;
  /** upper bound on a priority-lexicographically best plan's fps (≤ boundFps) */
  priorityBoundFps: number;
  /** admittedFps / boundFps */
  shareOfBound: number;
  /** admittedFps / priorityBoundFps */
  shareOfPriorityBound: number;
  /** the solver's word on the total bound (the MILP's, when it ran) */
  boundStatus: string;
}

/** Admitted fps per priority level, highest level first. */
export function admittedByLevel(p: Problem, plan: Plan): number[] {
  const out = new Set(plan.rejected.map((r) => r.deployment));
  const levels = [...new Set(p.deployments.map((d) => d.priority))].sort((a, b) => b - a);
  return levels.map((l) =>
    p.deployments.filter((d) => d.priority === l && !out.has(d.name)).reduce((a, d) => a + d.fps, 0),
  );
}

export function boundOf(p: Problem, plan: Plan, solver: MilpSolver, o: { integralS?: number } = {}): PlanBound {
  const levels = admittedByLevel(p, plan);
  const admittedFps = levels.reduce((a, x) => a + x, 0);
  const rejected = new Set(plan.rejected.map((r) => r.deployment));
  const out = provedInadmissible(
    p,
    p.deployments.filter((d) => rejected.has(d.name)),
    solver,
  );
  // The bounds on the rest (a deployment no plan admits adds nothing to any plan).
  const q: Problem = out.size ? { ...p, deployments: p.deployments.filter((d) => !out.has(d.index)) } : p;
  const lp = latencyBound(q, solver);
  const milp = o.integralS ? latencyBound(q, solver, { integralS: o.integralS }) : undefined;
  const best = milp && milp.fps < lp.fps ? milp : lp;
  const boundFps = Math.max(admittedFps, best.fps);
  const priorityBoundFps = Math.min(
    boundFps,
    Math.max(admittedFps, priorityBound(q, solver, admittedByLevel(q, plan)).fps),
  );
  const r = (x: number) => Number(x.toFixed(2));
  return {
    inadmissible: [...out].map((i) => p.deployments[i]!.name),
    admittedFps,
    boundFps: r(boundFps),
    priorityBoundFps: r(priorityBoundFps),
    shareOfBound: boundFps > 0 ? Number((admittedFps / boundFps).toFixed(4)) : 1,
    shareOfPriorityBound: priorityBoundFps > 0 ? Number((admittedFps / priorityBoundFps).toFixed(4)) : 1,
    boundStatus: milp ? `MILP: ${milp.status}` : lp.status,
  };
}

export function planBound(
  cluster: ClusterSpec,
  apps: AppSpec[],
  profiles: Profile[],
  deployments: Deployment[],
  plan: Plan,
  solver: MilpSolver,
  headroom = DEFAULT_HEADROOM,
): PlanBound {
  return boundOf(buildProblem(cluster, apps, profiles, deployments, headroom), plan, solver);
}
