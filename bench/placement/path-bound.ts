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
import { INF, MilpBuilder, type MilpSolver } from '../../src/domain/placement/milp.js';
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

function fastestOf(p: Problem, app: string): number[] {
  const info = p.apps.get(app)!;
  return info.modules.map((m) => {
    let best = Infinity;
    for (const model of m.gpu ? p.models.filter((x) => x !== CPU) : [CPU])
      for (const v of m.variants)
        best = Math.min(best, profileFor(p, app, m.name, v.name, model)?.latencyMs ?? Infinity);
    return best;
  });
}

function restOfPath(p: Problem, app: string): number[] {
  const info = p.apps.get(app)!;
  const fast = fastestOf(p, app);
  const before = info.modules.map(() => 0);
  for (const m of info.topo)
    for (const nx of info.modules[m]!.next) before[nx] = Math.max(before[nx]!, before[m]! + fast[m]!);
  const after = info.modules.map(() => 0);
  for (const m of [...info.topo].reverse())
    for (const nx of info.modules[m]!.next) after[m] = Math.max(after[m]!, after[nx]! + fast[nx]!);
  return info.modules.map((_, i) => before[i]! + after[i]!);
}

const isChain = (p: Problem, app: string): boolean => {
  const info = p.apps.get(app)!;
  return info.topo.every((m, i) => {
    const next = info.modules[m]!.next;
    return i === info.topo.length - 1 ? next.length === 0 : next.length === 1 && next[0] === info.topo[i + 1];
  });
};

export function pathBound(
  p: Problem,
  solver: MilpSolver,
  o: PathBoundOptions = {},
): { fps: number; status: string; byPriority: Map<number, number> } {
  const h = p.headroom;
  const tops = [
    ...(o.buckets ?? [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85]).filter((c) => c < 1 - h - 1e-9),
    1 - h,
  ];
  const step = o.stepMs ?? 2;
  const groups = new Map<string, { app: string; priority: number; latencyMs: number; fps: number }>();
  for (const d of p.deployments) {
    if (!p.apps.has(d.app) || o.drop?.has(d.index)) continue;
    const key = `${d.app}|${d.priority}|${d.latencyMs}`;
    const g = groups.get(key) ?? { app: d.app, priority: d.priority, latencyMs: d.latencyMs, fps: 0 };
    g.fps += d.fps;
    groups.set(key, g);
  }
  const pl = new Map<string, { model: string; count: number; cpus: number }>();
  for (const s of p.slots) {
    const cpus = p.nodes[s.node]!.cpus;
    const key = s.gpu ? `gpu|${s.model}` : `cpu|${cpus}`;
    const pool = pl.get(key) ?? { model: s.model, count: 0, cpus: s.gpu ? 1 : cpus };
    pool.count++;
    pl.set(key, pool);
  }
  const pools = [...pl.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([, v]) => v);
  const b = new MilpBuilder('max');
  const z = pools.map((pool) => tops.map(() => b.col(0, 0, pool.count)));
  pools.forEach((pool, i) =>
    b.row(
      z[i]!.map((c) => [c, 1]),
      -INF,
      pool.count,
    ),
  );
  const load = pools.map(() => tops.map((): Array<[number, number]> => []));
  const cores: Array<[number, number]> = [];
  const byLevel = new Map<number, Array<[number, number]>>();
  for (const g of groups.values()) {
    const info = p.apps.get(g.app)!;
    const rest = restOfPath(p, g.app);
    const fast = fastestOf(p, g.app);
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
  pools.forEach((_, i) =>
    tops.forEach((top, k) => {
      if (load[i]![k]!.length) b.row([...load[i]![k]!, [z[i]![k]!, -top]], -INF, 0);
    }),
  );
  const totalCores = p.nodes.reduce((a, n) => a + n.cpus, 0) * (1 - h);
  if (cores.length) b.row(cores, -INF, totalCores);
  for (const [priority, floor] of o.floors ?? []) {
    const terms = byLevel.get(priority);
    if (terms && floor > 0) b.row(terms, floor - 1e-6, INF);
  }
  if (!groups.size) return { fps: 0, status: 'Empty', byPriority: new Map() };
  const r = solver.solve(b.model(), { timeLimitS: 120 });
  if (!r.feasible) return { fps: 0, status: r.status, byPriority: new Map() };
  const byPriority = new Map<number, number>();
  for (const [level, terms] of byLevel)
    byPriority.set(
      level,
      terms.reduce((a, [c]) => a + r.values[c]!, 0),
    );
  return { fps: [...byPriority.values()].reduce((a, x) => a + x, 0), status: r.status, byPriority };
}
