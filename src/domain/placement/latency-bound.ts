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
 * all modules together still fit the cluster's). Columns:
 * O(groups · modules · variants · models · levels).
 */
import { INF, MilpBuilder, type MilpSolver } from './milp.js';
import { type AppInfo, CPU, type Problem, profileFor } from './problem.js';

/** Bucket tops below 1 − headroom (which is always the last). */
export const BOUND_LEVELS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85];

export interface LatencyBound {
  /** Upper bound on admitted fps. */
  fps: number;
  /** The solver's status. */
  status: string;
  /** fps per priority level in the LP's optimum. */
  byPriority: Map<number, number>;
}

export interface Group {
  app: string;
  priority: number;
  latencyMs: number;
  fps: number;
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

/** Deployments pooled by (app, priority, target), fps summed; those in `drop` left out. */
export function boundGroups(p: Problem, drop?: ReadonlySet<number>): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const d of p.deployments) {
    if (!p.apps.has(d.app) || drop?.has(d.index)) continue;
    const key = `${d.app}|${d.priority}|${d.latencyMs}`;
    const g = groups.get(key) ?? { app: d.app, priority: d.priority, latencyMs: d.latencyMs, fps: 0 };
    g.fps += d.fps;
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

/** Starts the LP: pools, their bucket columns, Σ_k z ≤ count. `buckets`: tops below 1 − headroom. */
export function startBucketLp(p: Problem, buckets: readonly number[]): BucketLp {
  const h = p.headroom;
  const tops = [...buckets.filter((c) => c < 1 - h - 1e-9), 1 - h];
  const b = new MilpBuilder('max');
  const pl = pools(p);
  const z = pl.map((pool) => tops.map(() => b.col(0, 0, pool.count)));
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
  if (!o.groups) return { fps: 0, status: 'Empty', byPriority: new Map() };
  const r = solver.solve(b.model(), { timeLimitS: o.timeLimitS });
  if (!r.feasible) return { fps: 0, status: r.status, byPriority: new Map() };
  const byPriority = new Map<number, number>();
  for (const [level, terms] of byLevel)
    byPriority.set(
      level,
      terms.reduce((a, [c]) => a + r.values[c]!, 0),
    );
  return { fps: [...byPriority.values()].reduce((a, x) => a + x, 0), status: r.status, byPriority };
}

/**
 * Solves the LP. `floors`: priority → fps that level must admit at least
 * (for a bound on plans that admit what a higher level provably can).
 * `weights`: priority → objective weight (default 1 each: total fps).
 */
export function latencyBound(
  p: Problem,
  solver: MilpSolver,
  opts: { floors?: Map<number, number>; weights?: Map<number, number> } = {},
): LatencyBound {
  const groups = boundGroups(p);
  const lp = startBucketLp(p, BOUND_LEVELS);
  const { b, pools: pl, tops, load, cores, byLevel } = lp;
  const rest = new Map<string, number[]>();
  for (const g of groups.values()) {
    const info = p.apps.get(g.app)!;
    if (!rest.has(g.app)) rest.set(g.app, restOfPath(p, g.app));
    const admit = b.col(opts.weights?.get(g.priority) ?? 1, 0, g.fps);
    if (!byLevel.has(g.priority)) byLevel.set(g.priority, []);
    byLevel.get(g.priority)!.push([admit, 1]);
    // Per module: its options' fps times their latency floor (for the path rows below).
    const lat = info.modules.map((): Array<[number, number]> => []);
    for (const m of info.modules) {
      const terms: Array<[number, number]> = [[admit, -1]];
      pl.forEach((pool, i) => {
        if ((pool.model !== CPU) !== m.gpu) return;
        for (const v of m.variants) {
          const pr = profileFor(p, g.app, m.name, v.name, pool.model);
          if (!pr) continue;
          tops.forEach((top, k) => {
            const floorU = k === 0 ? 0 : tops[k - 1]!;
            if (pr.latencyMs / (1 - floorU) + rest.get(g.app)![m.index]! > g.latencyMs + 1e-9) return;
            const x = b.col(0, 0, INF);
            terms.push([x, 1]);
            lat[m.index]!.push([x, pr.latencyMs / (1 - floorU)]);
            const perFps = m.gpu ? 1 / pr.maxFps : (pr.cpuCores ?? 0) / pr.maxFps / pool.cpus;
            load[i]![k]!.push([x, perFps]);
            cores.push([x, (pr.cpuCores ?? 0) / pr.maxFps]);
          });
        }
      });
      b.row(terms, 0, 0); // every module serves all admitted fps
    }
    // A path's modules meet the target together, not each with the rest at its fastest: per admitted
    // frame, Σ over the path of each module's slowest share ≥ its fps-weighted mean latency floor.
    for (const path of dagPaths(info)) b.row([...path.flatMap((m) => lat[m]!), [admit, -g.latencyMs]], -INF, 0);
  }
  return solveBucketLp(lp, p, solver, { groups: groups.size, floors: opts.floors, timeLimitS: 60 });
}

/**
 * A bound on the fps of a plan that admits the most, priority by priority
 * (what `rim` and `optimal` aim at): from the highest level down, a level
 * whose bound `admitted` (a valid plan's fps per level, highest first)
 * already meets is pinned there; the first level that falls short ends the
 * chain, and the total is bounded with the pinned levels as floors.
 * O(levels) LPs.
 */
export function priorityBound(p: Problem, solver: MilpSolver, admitted: readonly number[]): LatencyBound {
  const levels = [...new Set(p.deployments.map((d) => d.priority))].sort((a, b) => b - a);
  const floors = new Map<number, number>();
  for (const [i, level] of levels.entries()) {
    const weights = new Map(levels.map((l) => [l, l === level ? 1 : 0]));
    const best = latencyBound(p, solver, { floors, weights });
    const got = admitted[i] ?? 0;
    if (best.status !== 'Optimal' || got < (best.byPriority.get(level) ?? 0) - 1e-6) break;
    floors.set(level, got);
  }
  return latencyBound(p, solver, { floors });
}
