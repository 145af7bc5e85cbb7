/**
 * One measurement: plan an instance with a strategy, check the plan with the
 * shared validator, and read off what the benchmark reports.
 */
import { planPlacement } from '../../src/domain/placement/index.js';
import { lpUpperBound } from '../../src/domain/placement/lp-bound.js';
import type { MilpSolver } from '../../src/domain/placement/milp.js';
import { buildProblem, type Problem } from '../../src/domain/placement/problem.js';
import { utilisationKey } from '../../src/domain/placement/utilisation-key.js';
import { validatePlan } from '../../src/domain/placement/validator.js';
import type { ClusterSpec, Deployment, Plan } from '../../src/domain/types.js';
import type { Catalogue } from './scenarios.js';

export interface Row {
  scenario: string;
  load: number;
  strategy: string;
  offeredDeployments: number;
  offeredFps: number;
  admitted: number;
  admittedFps: number;
  lpBoundFps: number;
  shareOfLp: number;
  /** mean utilisation over the cluster's GPUs */
  gpuUtil: number;
  solveMs: number;
  cpuMs: number;
  violations: number;
  firstViolation?: string;
  status?: string;
  gap?: number;
}

export function admittedFps(plan: Plan, deployments: readonly Deployment[]): number {
  const rejected = new Set(plan.rejected.map((r) => r.deployment));
  return deployments.filter((d) => !rejected.has(d.name)).reduce((a, d) => a + d.fps, 0);
}

export function meanGpuUtil(p: Problem, plan: Plan): number {
  const gpus = p.slots.filter((s) => s.gpu);
  return gpus.length
    ? gpus.reduce((a, s) => a + (plan.utilisation[utilisationKey(p.nodes[s.node]!.id, s.id)] ?? 0), 0) / gpus.length
    : 0;
}

export interface Measured {
  row: Row;
  plan: Plan;
}

export function measure(
  scenario: string,
  load: number,
  cat: Catalogue,
  cluster: ClusterSpec,
  deployments: Deployment[],
  strategy: string,
  solver: MilpSolver,
  opts: { timeLimitMs?: number; lpBound?: number; previous?: Plan; replan?: 'minimal' | 'admit-more' } = {},
): Measured {
  const p = buildProblem(cluster, cat.apps, cat.profiles, deployments);
  const lp = opts.lpBound ?? lpUpperBound(p, solver).fps;
  const cpu0 = process.cpuUsage();
  const plan = planPlacement(
    cluster,
    cat.apps,
    cat.profiles,
    deployments,
    { strategy, solver, timeLimitMs: opts.timeLimitMs, replan: opts.replan, clock: () => performance.now() },
    opts.previous,
  );
  const cpu = process.cpuUsage(cpu0);
  const v = validatePlan(p, plan);
  const fps = admittedFps(plan, deployments);
  return {
    plan,
    row: {
      scenario,
      load,
      strategy,
      offeredDeployments: deployments.length,
      offeredFps: deployments.reduce((a, d) => a + d.fps, 0),
      admitted: deployments.length - plan.rejected.length,
      admittedFps: fps,
      lpBoundFps: Number(lp.toFixed(2)),
      shareOfLp: lp > 0 ? Number((fps / lp).toFixed(4)) : 1,
      gpuUtil: Number(meanGpuUtil(p, plan).toFixed(4)),
      solveMs: plan.solveMs,
      cpuMs: Number(((cpu.user + cpu.system) / 1000).toFixed(1)),
      violations: v.length,
      firstViolation: v[0]?.message,
      status: plan.status,
      gap: plan.gap,
    },
  };
}
