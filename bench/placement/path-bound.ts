/**
 * A tighter latency-aware upper bound for the benchmark's optimality study:
 * src/domain/placement/latency-bound.ts's LP (accelerators pooled by model in
 * utilisation buckets, deployments fluid by (app, priority, target)), where
 * a group of a chain app with one or two GPU modules also chooses how its
 * target is shared between them. A valid plan's deployment has slowest
 * shares λ1, λ2 on its GPU modules with λ1 + λ2 ≤ target − its CPU
 * modules' fastest latencies; its fps goes to the cell [l, l + step) of λ1
 * on a grid, where module 1's options are capped by l + step and module 2's
 * by target − CPU − l; an option in bucket k (utilisation above c_{k−1})
 * is kept only if L/(1 − c_{k−1}) is within that cap (and within the LP's
 * own rule: plus the fastest rest of the path, within the target). So every
 * valid plan maps to a feasible point and the optimum is an upper bound.
 * Groups in `drop` (proved inadmissible) are left out. Columns:
 * O(groups · cells · modules · variants · models · buckets).
 */
import {
  BOUND_LEVELS,
  boundGroups,
  fastestLatencies,
  type LatencyBound,
  restOfPath,
  solveBucketLp,
  startBucketLp,
} from '../../src/domain/placement/latency-bound.js';
import { INF, type MilpSolver } from '../../src/domain/placement/milp.js';
import { CPU, type Problem, profileFor } from '../../src/domain/placement/problem.js';

export interface PathBoundOptions {
  /** priority → fps the level must keep */
  floors?: Map<number, number>;
  /** priority → objective weight (default 1) */
  weights?: Map<number, number>;
  /** deployment indices left out (proved inadmissible) */
  drop?: ReadonlySet<number>;
  /** bucket tops below 1 − headroom */
  buckets?: readonly number[];
  /** grid step of λ1, ms */
  stepMs?: number;
}

const isChain = (p: Problem, app: string): boolean => {
  const info = p.apps.get(app)!;
  return info.topo.every((m, i) => {
    const next = info.modules[m]!.next;
    return i === info.topo.length - 1 ? next.length === 0 : next.length === 1 && next[0] === info.topo[i + 1];
  });
};

export function pathBound(p: Problem, solver: MilpSolver, o: PathBoundOptions = {}): LatencyBound {
  const step = o.stepMs ?? 2;
  const groups = boundGroups(p, o.drop);
  const lp = startBucketLp(p, o.buckets ?? BOUND_LEVELS);
  const { b, pools, tops, load, cores, byLevel } = lp;
  for (const g of groups.values()) {
    const info = p.apps.get(g.app)!;
    const rest = restOfPath(p, g.app);
    const fast = fastestLatencies(p, g.app);
    const gpuMods = info.topo.filter((m) => info.modules[m]!.gpu);
    const cpuMin = info.modules.reduce((a, m, i) => a + (m.gpu ? 0 : fast[i]!), 0);
    const admit = b.col(o.weights?.get(g.priority) ?? 1, 0, g.fps);
    if (!byLevel.has(g.priority)) byLevel.set(g.priority, []);
    byLevel.get(g.priority)!.push([admit, 1]);
    // Cells: per-GPU-module caps (Infinity: only the LP's own rule).
    const cells: number[][] = [];
    if (isChain(p, g.app) && gpuMods.length === 2) {
      const [m1, m2] = gpuMods as [number, number];
      const budget = g.latencyMs - cpuMin;
      for (let l = Math.floor(fast[m1]! / step) * step; l + fast[m2]! <= budget + 1e-9; l += step) {
        const caps = info.modules.map(() => Infinity);
        caps[m1] = l + step;
        caps[m2] = budget - l;
        cells.push(caps);
      }
    } else if (isChain(p, g.app) && gpuMods.length === 1) {
      const caps = info.modules.map(() => Infinity);
      caps[gpuMods[0]!] = g.latencyMs - cpuMin;
      cells.push(caps);
    } else cells.push(info.modules.map(() => Infinity));
    const cellTerms: Array<[number, number]> = [[admit, -1]];
    const cpuServe = info.modules.map((): Array<[number, number]> => [[admit, -1]]);
    for (const caps of cells) {
      const w = b.col(0, 0, INF);
      cellTerms.push([w, 1]);
      for (const m of info.modules) {
        if (!m.gpu) continue;
        const terms: Array<[number, number]> = [[w, -1]];
        pools.forEach((pool, i) => {
          if (pool.model === CPU) return;
          for (const v of m.variants) {
            const pr = profileFor(p, g.app, m.name, v.name, pool.model);
            if (!pr) continue;
            tops.forEach((_, k) => {
              const floorU = k === 0 ? 0 : tops[k - 1]!;
              const lat = pr.latencyMs / (1 - floorU);
              if (lat + rest[m.index]! > g.latencyMs + 1e-9 || lat > caps[m.index]! + 1e-9) return;
              const x = b.col(0, 0, INF);
              terms.push([x, 1]);
              load[i]![k]!.push([x, 1 / pr.maxFps]);
              cores.push([x, (pr.cpuCores ?? 0) / pr.maxFps]);
            });
          }
        });
        b.row(terms, 0, 0);
      }
    }
    b.row(cellTerms, 0, 0);
    for (const m of info.modules) {
      if (m.gpu) continue;
      const terms = cpuServe[m.index]!;
      pools.forEach((pool, i) => {
        if (pool.model !== CPU) return;
        for (const v of m.variants) {
          const pr = profileFor(p, g.app, m.name, v.name, CPU);
          if (!pr) continue;
          tops.forEach((_, k) => {
            const floorU = k === 0 ? 0 : tops[k - 1]!;
            if (pr.latencyMs / (1 - floorU) + rest[m.index]! > g.latencyMs + 1e-9) return;
            const x = b.col(0, 0, INF);
            terms.push([x, 1]);
            load[i]![k]!.push([x, (pr.cpuCores ?? 0) / pr.maxFps / pool.cpus]);
            cores.push([x, (pr.cpuCores ?? 0) / pr.maxFps]);
          });
        }
      });
      b.row(terms, 0, 0);
    }
  }
  return solveBucketLp(lp, p, solver, { groups: groups.size, floors: o.floors, timeLimitS: 120 });
}
