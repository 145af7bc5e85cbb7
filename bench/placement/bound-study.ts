/**
 * How far rim is from optimal (issue #11): on the paper testbed as given and
 * on generated workloads (paper-like and mixed CPU/GPU node types, 64 nodes,
 * several seeds) at load 1.0, rim's admitted fps against the latency-aware
 * upper bound (src/domain/placement/latency-bound.ts); and the maximal
 * workload by bisection on the load: up to `rimAllAt` rim admits everything;
 * up to `validAllAt` some valid plan does (rim's, or on small clusters one
 * the near-exact MILP of exact-model.ts finds with every deployment
 * required, checked by the validator); from `impossibleAt` none can (a
 * deployment fits nowhere even alone, or the bound with every level's
 * offered fps as its floor is infeasible). On small clusters (≤ SMALL
 * nodes) the bound is also solved as a MILP (whole deployments and
 * accelerators, a time limit; its dual bound).
 */
import { planPlacement } from '../../src/domain/placement/index.js';
import { provedInadmissible } from '../../src/domain/placement/admissible.js';
import { latencyBound } from '../../src/domain/placement/latency-bound.js';
import type { MilpSolver } from '../../src/domain/placement/milp.js';
import { boundOf } from '../../src/domain/placement/plan-bound.js';
import { buildProblem } from '../../src/domain/placement/problem.js';
import { validatePlan } from '../../src/domain/placement/validator.js';
import { buildExactModel, planOf } from './exact-model.js';
import {
  CPU_ONLY_TYPES,
  generateCluster,
  type NodeType,
  generateDeployments,
  PAPER_NODE_TYPES,
  shapeOf,
} from '../../src/domain/placement/workload-gen.js';
import type { ClusterSpec, Deployment } from '../../src/domain/types.js';
import { capacityBound } from '../../src/domain/placement/lp-bound.js';
import type { Catalogue } from './scenarios.js';

export interface BoundRow {
  workload: string;
  offeredFps: number;
  rimFps: number;
  boundFps: number;
  priorityBoundFps: number;
  /** rejected deployments proved inadmissible even alone (left out of the bounds) */
  inadmissible: string[];
  shareOfBound: number;
  shareOfPriorityBound: number;
  violations: number;
  solveMs: number;
  /** wall time of the bounds (LPs, admissibility, the MILP on small clusters) */
  boundMs: number;
  /** the solver's word on the total bound */
  boundStatus: string;
}

/** Clusters up to this many nodes also get the MILP bound (seconds of solver time below). */
export const SMALL = 16;
const MILP_S = 120;
const MILP_FEASIBILITY_S = 30;
/** The near-exact MILP's search for a plan that admits everything (small clusters): seconds, and its level grid. */
const WITNESS_S = 60;
const WITNESS_GRID = Array.from({ length: 18 }, (_, i) => Number(((i + 1) * 0.05).toFixed(2)));

export interface MaximalRow {
  workload: string;
  /** highest load (of the capacity-only load 1.0) at which rim admitted every deployment */
  rimAllAt: number;
  /**
   * highest load at which some valid plan admitted every deployment: rim's, or on small clusters one the
   * near-exact MILP found (exact-model.ts, every deployment required, checked by the validator)
   */
  validAllAt: number;
  /** what found the plan at validAllAt: 'rim' or 'exact MILP' */
  validAllBy: string;
  /** lowest load at which the bound proved that no valid plan admits every deployment */
  impossibleAt: number;
}

export interface Workload {
  name: string;
  cluster: ClusterSpec;
  at(load: number): Deployment[];
}

export function generatedWorkloads(
  cat: Catalogue,
  solver: MilpSolver,
  seeds: readonly number[],
  nodes = 64,
): Workload[] {
  const shape = shapeOf(cat.deployments);
  const out: Workload[] = [];
  const kinds: Array<[string, NodeType[]]> = [
    ['paper-like', PAPER_NODE_TYPES],
    ['mixed', [...PAPER_NODE_TYPES, ...CPU_ONLY_TYPES]],
  ];
  for (const [kind, types] of kinds) {
    for (const seed of seeds) {
      const cluster = generateCluster({ nodes, seed, types });
      const cap = capacityBound(buildProblem(cluster, cat.apps, cat.profiles, []), solver, { mix: shape.apps }).fps;
      const at = (load: number) => generateDeployments({ shape, totalFps: load * cap, seed: 500 + seed });
      out.push({ name: `${kind} ${nodes} nodes seed ${seed}`, cluster, at });
    }
  }
  return out;
}

export function boundRow(
  cat: Catalogue,
  solver: MilpSolver,
  name: string,
  cluster: ClusterSpec,
  deployments: Deployment[],
): BoundRow {
  const p = buildProblem(cluster, cat.apps, cat.profiles, deployments);
  // No clock: the search runs its whole step budget, so the fps figures do not depend on the machine's load.
  const t0 = performance.now();
  const plan = planPlacement(cluster, cat.apps, cat.profiles, deployments, { strategy: 'rim' });
  const solveMs = performance.now() - t0;
  const t1 = performance.now();
  const b = boundOf(p, plan, solver, cluster.nodes.length <= SMALL ? { integralS: MILP_S } : {});
  const boundMs = performance.now() - t1;
  return {
    workload: name,
    offeredFps: deployments.reduce((a, d) => a + d.fps, 0),
    rimFps: b.admittedFps,
    boundFps: b.boundFps,
    priorityBoundFps: b.priorityBoundFps,
    inadmissible: b.inadmissible,
    shareOfBound: b.shareOfBound,
    shareOfPriorityBound: b.shareOfPriorityBound,
    violations: validatePlan(p, plan).length,
    solveMs: Number(solveMs.toFixed(1)),
    boundMs: Number(boundMs.toFixed(0)),
    boundStatus: b.boundStatus,
  };
}

/**
 * [last load where `ok` held, first where it did not] after `steps` halvings of [lo, hi] (`ok` assumed to
 * hold below some load and fail above; `lo` and `hi` themselves are not asked).
 */
export function bisectLoad(ok: (x: number) => boolean, lo: number, hi: number, steps: number): [number, number] {
  let [a, b] = [lo, hi];
  for (let i = 0; i < steps; i++) {
    const mid = (a + b) / 2;
    if (ok(mid)) a = mid;
    else b = mid;
  }
  return [a, b];
}

/** Bisection on the load, `steps` halvings in [lo, hi]. */
export function maximal(cat: Catalogue, solver: MilpSolver, w: Workload, lo = 0.05, hi = 1.5, steps = 6): MaximalRow {
  const small = w.cluster.nodes.length <= SMALL;
  const rimAll = (load: number): boolean => {
    const d = w.at(load);
    const plan = planPlacement(w.cluster, cat.apps, cat.profiles, d, { strategy: 'rim' });
    return plan.rejected.length === 0;
  };
  /** A valid plan that admits everything, from the near-exact MILP (every deployment required); small clusters. */
  const exactAll = (load: number): boolean => {
    const p = buildProblem(w.cluster, cat.apps, cat.profiles, w.at(load));
    const fixed = new Set(p.deployments.map((d) => d.index));
    const model = buildExactModel(p, p.deployments, { form: 'restrict', grid: WITNESS_GRID, fixed });
    const r = solver.solve(model.b.model(), { timeLimitS: WITNESS_S });
    if (!r.feasible) return false;
    const got = planOf(p, model, r.values);
    return got.violations === 0 && got.plan.rejected.length === 0;
  };
  const impossible = (load: number): boolean => {
    const p = buildProblem(w.cluster, cat.apps, cat.profiles, w.at(load));
    if (provedInadmissible(p, p.deployments, solver).size) return true;
    const floors = new Map<number, number>();
    for (const d of p.deployments) floors.set(d.priority, (floors.get(d.priority) ?? 0) + d.fps);
    const offered = p.deployments.reduce((a, x) => a + x.fps, 0);
    const milp = small ? { integralS: MILP_FEASIBILITY_S } : {};
    return latencyBound(p, solver, { floors, ...milp }).fps < offered - 1e-6;
  };
  const bisect = (ok: (x: number) => boolean): [number, number] => bisectLoad(ok, lo, hi, steps);
  const r = (x: number) => Number(x.toFixed(3));
  const rimAllAt = bisect(rimAll)[0];
  // From rim's load up: the MILP is asked only where rim left something out.
  const validAllAt = small ? bisect((x) => x <= rimAllAt || rimAll(x) || exactAll(x))[0] : rimAllAt;
  return {
    workload: w.name,
    rimAllAt: r(rimAllAt),
    validAllAt: r(validAllAt),
    validAllBy: validAllAt > rimAllAt ? 'exact MILP' : 'rim',
    impossibleAt: r(bisect((x) => !impossible(x))[1]),
  };
}
