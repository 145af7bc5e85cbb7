/**
 * A latency-aware upper bound on the fps any valid plan admits (docs/design.md's
 * model), as an LP over utilisation levels. Every accelerator (and every
 * node's cores) sits in one utilisation bucket (c[k−1], c[k]] of a grid
 * ending at 1 − headroom; a replica there runs no faster than
 * latencyMs / (1 − c[k−1]). A (deployment, module, variant, model, level)
 * option is excluded when that, plus the fastest the rest of the DAG's
 * longest path through the module could be (no load, no transfers), misses
 * the target. A valid plan maps to a feasible point (each slot in its
 * bucket), so the LP optimum is at least its admitted fps. Relaxed to stay
 * small: accelerators of one model, and nodes of one core count, are pooled
 * (Σ_k z ≤ count); deployments of one (app, priority, target) are fluid;
 * memory and GPU modules' cores on their own node are left out (the cores of
 * all modules together still fit the cluster's). A plan admits whole
 * deployments, so the optimum is lowered to the largest sum of whole
 * deployments' fps under it (subset-sum.ts). On small clusters the same
 * model can be solved as a MILP (`integralS`: each deployment admitted or
 * not, each accelerator in one bucket); its dual bound holds at any time
 * limit. Columns: O(groups · modules · variants · models · levels).
 */
import { INF, MilpBuilder, type MilpSolver } from './milp.js';
import { floorToSubsetSum } from './subset-sum.js';
import { type AppInfo, CPU, type Problem, profileFor } from './problem.js';

/**
 * Bucket tops: steps of at most `step` in utilisation and at most `ratio`
 * in the latency factor 1/(1 − u) (a replica's latency floor is then within
 * that ratio of its latency anywhere in the bucket, where the factor grows
 * fastest too). Those below 1 − headroom are used, which is always the last.
 */
export function boundLevels(step: number, ratio: number): number[] {
  const out: number[] = [];
  for (let c = 0; ;) {
    c = Math.min(c + step, 1 - (1 - c) / ratio);
    if (c >= 0.995) return out;
    out.push(c);
  }
}

/**
 * The default grid: 0.05 and 5% (47 buckets below 0.9). Measured against
 * the round-5 grid (0.1 … 0.85, 11 buckets): paper testbed 277.2 → 270 fps,
 * 64 nodes 1487 → 1470; 3–4× the columns.
 */
export const BOUND_LEVELS = boundLevels(0.05, 1.05);

export interface LatencyBound {
  /** Upper bound on admitted fps. */
  fps: number;
  /** The solver's status. */
  status: string;
  /** fps per priority level in the LP's optimum (the MILP's best solution); empty without weights or floors. */
  byPriority: Map<number, number>;
  /** Upper bound on the weighted objective (= fps with the default weights). */
  objectiveBound: number;
}

export interface Group {
  app: string;
  priority: number;
  latencyMs: number;
  fps: number;
  /** its deployments' fps */
  members: number[];
}

/** Per module of `app`: the fastest latency it could have anywhere (any variant, any model, no load). */
export function fastestLatencies(p: Problem, app: string): number[] {
  const info = p.apps.get(app)!;
  return info.modules.map((m) => {
    let best = Infinity;
    for (const model of m.gpu ? p.models.filter((x) => x !== CPU) : [CPU])
      for (const v of m.variants)
        best = Math.min(best, profileFor(p, app, m.name, v.name, model)?.latencyMs ?? Infinity);
    return best;
  });
}

/** Per module: the least the rest of the longest path through it adds (other modules at their fastest). */
export function restOfPath(p: Problem, app: string): number[] {
  const info = p.apps.get(app)!;
  const fast = fastestLatencies(p, app);
  const before = info.modules.map(() => 0);
  for (const m of info.topo) {
    for (const nx of info.modules[m]!.next) before[nx] = Math.max(before[nx]!, before[m]! + fast[m]!);
  }
  const after = info.modules.map(() => 0);
  for (const m of [...info.topo].reverse()) {
    for (const nx of info.modules[m]!.next) after[m] = Math.max(after[m]!, after[nx]! + fast[nx]!);
  }
  return info.modules.map((_, i) => before[i]! + after[i]!);
}

/** Paths through the DAG longer than one module, source to sink (none past MAX_PATHS: fewer rows, still a bound). */
export function dagPaths(app: AppInfo): number[][] {
  const hasIn = app.modules.map(() => false);
  for (const m of app.modules) for (const nx of m.next) hasIn[nx] = true;
  const out: number[][] = [];
  const walk = (m: number, path: number[]): void => {
    if (out.length > MAX_PATHS) return;
    const here = [...path, m];
    const next = app.modules[m]!.next;
    if (!next.length) {
      if (here.length > 1) out.push(here);
      return;
    }
    for (const nx of next) walk(nx, here);
  };
  app.modules.forEach((m, i) => {
    if (!hasIn[i]) walk(i, []);
  });
  return out.length > MAX_PATHS ? [] : out;
}

const MAX_PATHS = 64;

/**
 * Deployments pooled by (app, priority, target), fps summed; those in `drop`
 * left out. `anyPriority`: by (app, target) (the same rows; for a bound that
 * weighs every level alike: fewer columns, the same optimum).
 */
export function boundGroups(p: Problem, drop?: ReadonlySet<number>, anyPriority = false): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const d of p.deployments) {
    if (!p.apps.has(d.app) || drop?.has(d.index)) continue;
    const key = `${d.app}|${anyPriority ? '*' : d.priority}|${d.latencyMs}`;
    const g = groups.get(key) ?? {
      app: d.app,
      priority: d.priority,
      latencyMs: d.latencyMs,
      fps: 0,
      members: [],
    };
    g.fps += d.fps;
    g.members.push(d.fps);
    groups.set(key, g);
  }
  return groups;
}

export interface Pool {
  key: string;
  model: string;
  /** GPUs of the model, or nodes of the core count */
  count: number;
  /** 1 for a GPU pool */
  cpus: number;
}

/** Pools: GPU models (count of GPUs) and CPU pools by core count (count of nodes). */
function pools(p: Problem): Pool[] {
  const by = new Map<string, Pool>();
  for (const s of p.slots) {
    const cpus = p.nodes[s.node]!.cpus;
    const key = s.gpu ? `gpu|${s.model}` : `cpu|${cpus}`;
    const pool = by.get(key) ?? { key, model: s.model, count: 0, cpus: s.gpu ? 1 : cpus };
    pool.count++;
    by.set(key, pool);
  }
  return [...by.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/** The LP over pooled utilisation buckets, as it is built: options add to `load`, `cores` and `byLevel`. */
export interface BucketLp {
  b: MilpBuilder;
  pools: Pool[];
  /** bucket tops, the last 1 − headroom */
  tops: number[];
  /** z[pool][k]: how many of the pool's accelerators (or nodes' cores) sit in bucket k */
  z: number[][];
  /** load[pool][k]: Σ load terms of the options in that bucket */
  load: Array<Array<Array<[number, number]>>>;
  /** every option's cores, against the cluster's */
  cores: Array<[number, number]>;
  /** priority → its groups' admitted columns */
  byLevel: Map<number, Array<[number, number]>>;
}

/**
 * Starts the LP: pools, their bucket columns, Σ_k z ≤ count. `buckets`: tops below 1 − headroom;
 * `integral`: z counts whole accelerators (a MILP).
 */
export function startBucketLp(p: Problem, buckets: readonly number[], integral = false): BucketLp {
  const h = p.headroom;
  const tops = [...buckets.filter((c) => c < 1 - h - 1e-9), 1 - h];
  const b = new MilpBuilder('max');
  const pl = pools(p);
  const z = pl.map((pool) => tops.map(() => b.col(0, 0, pool.count, integral)));
  pl.forEach((pool, i) =>
    b.row(
      z[i]!.map((c) => [c, 1]),
      -INF,
      pool.count,
    ),
  );
  const load = pl.map(() => tops.map((): Array<[number, number]> => []));
  return { b, pools: pl, tops, z, load, cores: [], byLevel: new Map() };
}

/** Ends the LP (bucket loads, cores, per-priority floors) and solves it; `groups`: how many groups it has. */
export function solveBucketLp(
  lp: BucketLp,
  p: Problem,
  solver: MilpSolver,
  o: { groups: number; floors?: Map<number, number> | undefined; timeLimitS: number },
): LatencyBound {
  const { b, tops, z, load, cores, byLevel } = lp;
  lp.pools.forEach((_, i) =>
    tops.forEach((top, k) => {
      if (load[i]![k]!.length) b.row([...load[i]![k]!, [z[i]![k]!, -top]], -INF, 0);
    }),
  );
  const totalCores = p.nodes.reduce((a, n) => a + n.cpus, 0) * (1 - p.headroom);
  if (cores.length) b.row(cores, -INF, totalCores);
  for (const [priority, floor] of o.floors ?? []) {
    const terms = byLevel.get(priority);
    if (terms && floor > 0) b.row(terms, floor - 1e-6, INF);
  }
  if (!o.groups) return { fps: 0, status: 'Empty', byPriority: new Map(), objectiveBound: 0 };
  const model = b.model();
  const r = solver.solve(model, { timeLimitS: o.timeLimitS });
  if (!model.cols.some((c) => c.integer)) {
    if (!r.feasible) {
      // Infeasible (floors no plan meets): nothing; any other failure proves no bound at all.
      const v = r.status === 'Infeasible' ? 0 : Infinity;
      return { fps: v, status: r.status, byPriority: new Map(), objectiveBound: v };
    }
    const byPriority = new Map<number, number>();
    for (const [level, terms] of byLevel)
      byPriority.set(
        level,
        terms.reduce((a, [c]) => a + r.values[c]!, 0),
      );
    return {
      fps: [...byPriority.values()].reduce((a, x) => a + x, 0),
      status: r.status,
      byPriority,
      objectiveBound: r.status === 'Optimal' ? r.objective : Infinity,
    };
  }
  // The MILP: its dual bound holds whatever the time limit left open; infeasible proves nothing fits.
  if (r.status === 'Infeasible') return { fps: 0, status: r.status, byPriority: new Map(), objectiveBound: 0 };
  if (!Number.isFinite(r.bound)) {
    // No bound within the time limit: the LP relaxation's.
    const relaxed = { ...model, cols: model.cols.map((c) => ({ ...c, integer: false })) };
    const lr = solver.solve(relaxed, { timeLimitS: 60 });
    const v = lr.status === 'Optimal' ? lr.objective : lr.status === 'Infeasible' ? 0 : Infinity;
    return { fps: v, status: `${r.status}; LP relaxation`, byPriority: new Map(), objectiveBound: v };
  }
  const byPriority = new Map<number, number>();
  if (r.feasible)
    for (const [level, terms] of byLevel)
      byPriority.set(
        level,
        terms.reduce((a, [c]) => a + r.values[c]!, 0),
      );
  // With unit weights the objective is the fps; the bound is the MILP's dual bound.
  return { fps: r.bound, status: r.status, byPriority, objectiveBound: r.bound };
}

/** Options of the bound beyond its objective; the defaults are what `rim plan --bound` uses. */
export interface BoundOptions {
  /** priority → fps that level must admit at least */
  floors?: Map<number, number>;
  /** priority → objective weight (default 1 each: total fps) */
  weights?: Map<number, number>;
  /** bucket tops below 1 − headroom (default BOUND_LEVELS) */
  buckets?: readonly number[];
  /**
   * Whole deployments and whole accelerators: each deployment admitted or
   * not, each accelerator in one bucket (a MILP; its dual bound, valid at
   * any time limit, is the bound). Seconds of solver time; 0 or absent: the LP.
   */
  integralS?: number;
}

/**
 * Solves the bound. `floors`: priority → fps that level must admit at least
 * (for a bound on plans that admit what a higher level provably can).
 * `weights`: priority → objective weight (default 1 each: total fps).
 */
export function latencyBound(p: Problem, solver: MilpSolver, opts: BoundOptions = {}): LatencyBound {
  // Levels weighed alike and no floors: one group per (app, target); byPriority is then left empty.
  const merged = !opts.weights && !opts.floors?.size;
  const groups = boundGroups(p, undefined, merged);
  const integral = (opts.integralS ?? 0) > 0;
  const lp = startBucketLp(p, opts.buckets ?? BOUND_LEVELS, integral);
  const { b, pools: pl, tops, load, cores, byLevel } = lp;
  const rest = new Map<string, number[]>();
  for (const g of groups.values()) {
    const info = p.apps.get(g.app)!;
    if (!rest.has(g.app)) rest.set(g.app, restOfPath(p, g.app));
    const admit = b.col(opts.weights?.get(g.priority) ?? 1, 0, g.fps);
    if (!byLevel.has(g.priority)) byLevel.set(g.priority, []);
    byLevel.get(g.priority)!.push([admit, 1]);
    // Whole deployments: the group admits a sum of its members' fps.
    if (integral) b.row([[admit, 1], ...g.members.map((f): [number, number] => [b.bin(), -f])], 0, 0);
    // Per module: its option columns with their latency floors.
    const options = info.modules.map((): Array<{ col: number; latencyMs: number }> => []);
    for (const m of info.modules) {
      pl.forEach((pool, i) => {
        if ((pool.model !== CPU) !== m.gpu) return;
        for (const v of m.variants) {
          const pr = profileFor(p, g.app, m.name, v.name, pool.model);
          if (!pr) continue;
          tops.forEach((top, k) => {
            const floorU = k === 0 ? 0 : tops[k - 1]!;
            const ell = pr.latencyMs / (1 - floorU);
            if (ell + rest.get(g.app)![m.index]! > g.latencyMs + 1e-9) return;
            const x = b.col(0, 0, INF);
            options[m.index]!.push({ col: x, latencyMs: ell });
            const perFps = m.gpu ? 1 / pr.maxFps : (pr.cpuCores ?? 0) / pr.maxFps / pool.cpus;
            load[i]![k]!.push([x, perFps]);
            cores.push([x, (pr.cpuCores ?? 0) / pr.maxFps]);
          });
        }
      });
    }
    // Every module serves all admitted fps.
    for (const m of info.modules)
      b.row([[admit, -1], ...options[m.index]!.map((o): [number, number] => [o.col, 1])], 0, 0);
    // A path's modules meet the target together, not each with the rest at its fastest: per admitted
    // frame, Σ over the path of each module's slowest share ≥ its fps-weighted mean latency floor.
    const lat = (m: number) => options[m]!.map((o): [number, number] => [o.col, o.latencyMs]);
    for (const path of dagPaths(info)) b.row([...path.flatMap(lat), [admit, -g.latencyMs]], -INF, 0);
  }
  const r = solveBucketLp(lp, p, solver, {
    groups: groups.size,
    floors: opts.floors,
    timeLimitS: integral ? opts.integralS! : 60,
  });
  if (merged) r.byPriority = new Map();
  return wholeDeployments(r, [...groups.values()], opts.weights);
}

/**
 * A plan admits whole deployments: with 0/1 weights the objective is a sum
 * of some weighted deployments' fps, so both bounds drop to the largest
 * such sum (subset-sum.ts). Other weights: unchanged.
 */
function wholeDeployments(r: LatencyBound, groups: Group[], weights?: Map<number, number>): LatencyBound {
  const w = (g: Group) => weights?.get(g.priority) ?? 1;
  if (groups.some((g) => w(g) !== 0 && w(g) !== 1)) return r;
  const counted = groups.filter((g) => w(g) === 1).flatMap((g) => g.members);
  const fps = weights ? r.fps : floorToSubsetSum(counted, r.fps);
  return { ...r, fps, objectiveBound: floorToSubsetSum(counted, r.objectiveBound) };
}

/**
 * A bound on the fps of a plan that admits the most, priority by priority
 * (what `rim` and `optimal` aim at): from the highest level down, a level
 * whose bound `admitted` (a valid plan's fps per level, highest first)
 * already meets is pinned there; the first level that falls short ends the
 * chain, and the total is bounded with the pinned levels as floors.
 * O(levels) LPs. `o`: the bound's options (buckets, flow grid, integrality).
 */
export function priorityBound(
  p: Problem,
  solver: MilpSolver,
  admitted: readonly number[],
  o: Omit<BoundOptions, 'floors' | 'weights'> = {},
): LatencyBound {
  const levels = [...new Set(p.deployments.map((d) => d.priority))].sort((a, b) => b - a);
  const floors = new Map<number, number>();
  for (const [i, level] of levels.entries()) {
    const weights = new Map(levels.map((l) => [l, l === level ? 1 : 0]));
    const best = latencyBound(p, solver, { ...o, floors, weights });
    const got = admitted[i] ?? 0;
    if (!(got >= best.objectiveBound - 1e-6)) break;
    floors.set(level, got);
  }
  return latencyBound(p, solver, { ...o, floors });
}
