/**
 * A proof that one deployment fits in no valid plan at all, even alone on
 * the empty cluster (for chain apps, like every app of the paper testbed).
 * If it is admitted, its modules' slowest shares have latencies λ_m with
 * Σ λ_m ≤ target (transfers only add), and a share of module m on
 * accelerator g at utilisation u needs L_mg/(1 − u) ≤ λ_m, so u ≤ c_mg =
 * min(1 − h, 1 − L_mg/λ_m). With f_mg the fps of m on g, the load on g is
 * Σ_m f_mg·k_mg ≤ min_m c_mg (k: utilisation per fps), which implies
 * Σ_m f_mg·k_mg / c_mg ≤ 1. Enumerating the λ on a grid (each cell relaxed
 * to its most generous corner: λ at the cell's top, the last module taking
 * all the target left) gives one small LP per cell; if every LP is
 * infeasible, no valid plan admits the deployment. Memory, the cores of GPU
 * modules and transfers are left out (a relaxation: only more plans fit).
 * O(cells · LP(modules · variants · models)).
 */
import { INF, MilpBuilder, type MilpSolver } from './milp.js';
import { type DeploymentInfo, type Problem, profileFor } from './problem.js';

/** Whether some (λ) cell's LP is feasible: the deployment may fit (undefined: not a chain, cannot tell). */
export function mayFitAlone(p: Problem, d: DeploymentInfo, solver: MilpSolver, stepMs = 2): boolean | undefined {
  const app = p.apps.get(d.app)!;
  const chain = app.topo.every((m, i) => {
    const next = app.modules[m]!.next;
    return i === app.topo.length - 1 ? next.length === 0 : next.length === 1 && next[0] === app.topo[i + 1];
  });
  if (!chain) return undefined;
  const h = p.headroom;
  // Options per module: (pool, per-fps utilisation, light-load latency) over every variant. Identical
  // accelerators (a model; a CPU pool of one core count) are pooled: with cores, memory and transfers
  // left out, nothing ties a share to its node, so a pool of n takes n times one's load (exact here).
  const pools = new Map<string, number>();
  const options = app.topo.map((m) => {
    const mod = app.modules[m]!;
    const out = new Map<string, { pool: string; k: number; L: number }>();
    for (const s of p.slots) {
      if (s.gpu !== mod.gpu) continue;
      const cpus = p.nodes[s.node]!.cpus;
      const pool = s.gpu ? s.model : `cpu|${cpus}`;
      for (const v of mod.variants) {
        const pr = profileFor(p, d.app, mod.name, v.name, s.model);
        if (!pr) continue;
        const k = s.gpu ? 1 / pr.maxFps : (pr.cpuCores ?? 0) / pr.maxFps / Math.max(1e-9, cpus);
        if (k > 0) out.set(`${pool}|${v.name}`, { pool, k, L: pr.latencyMs });
      }
    }
    return [...out.values()];
  });
  for (const s of p.slots) {
    const pool = s.gpu ? s.model : `cpu|${p.nodes[s.node]!.cpus}`;
    pools.set(pool, (pools.get(pool) ?? 0) + 1);
  }
  const fastest = options.map((o) => Math.min(...o.map((x) => x.L)));
  const feasible = (lambda: number[]): boolean => {
    const b = new MilpBuilder('max');
    const byPool = new Map<string, Array<[number, number]>>();
    for (const [i, opts] of options.entries()) {
      const serve: Array<[number, number]> = [];
      for (const o of opts) {
        const c = Math.min(1 - h, 1 - o.L / lambda[i]!);
        if (c <= 0) continue;
        const x = b.col(0, 0, INF);
        serve.push([x, 1]);
        if (!byPool.has(o.pool)) byPool.set(o.pool, []);
        byPool.get(o.pool)!.push([x, o.k / c]);
      }
      if (!serve.length) return false;
      b.row(serve, d.fps, INF);
    }
    for (const [pool, terms] of byPool) b.row(terms, -INF, pools.get(pool)!);
    return solver.solve(b.model(), { timeLimitS: 10 }).feasible;
  };
  const n = options.length;
  // Cells: λ_0..λ_{n−2} at grid points (cell top = point + step), the last takes what is left.
  const walk = (i: number, used: number, lambda: number[]): boolean => {
    if (i === n - 1) {
      const last = d.latencyMs - used;
      if (last < fastest[i]!) return false;
      return feasible([...lambda.map((l) => l + stepMs), last]);
    }
    for (let l = Math.floor(fastest[i]! / stepMs) * stepMs; used + l <= d.latencyMs; l += stepMs) {
      if (used + l + fastest.slice(i + 1).reduce((a, x) => a + x, 0) > d.latencyMs + stepMs * (n - 1)) break;
      if (walk(i + 1, used + l, [...lambda, l])) return true;
    }
    return false;
  };
  return walk(0, 0, []);
}

/**
 * The deployments of `candidates` that no valid plan admits even alone,
 * by mayFitAlone, checked once per (app, fps, target) and skipped when an
 * easier one (same app, no fewer fps, no looser target) already may fit,
 * or a harder one is already proved out. O(distinct kinds · mayFitAlone).
 */
export function provedInadmissible(
  p: Problem,
  candidates: readonly DeploymentInfo[],
  solver: MilpSolver,
  stepMs = 2,
): Set<number> {
  const fits: DeploymentInfo[] = [];
  const out: DeploymentInfo[] = [];
  const found = new Set<number>();
  const sorted = [...candidates].sort((a, b) => a.fps - b.fps || b.latencyMs - a.latencyMs || a.index - b.index);
  for (const d of sorted) {
    if (!p.apps.has(d.app)) continue;
    if (out.some((x) => x.app === d.app && x.fps <= d.fps && x.latencyMs >= d.latencyMs)) {
      found.add(d.index);
      continue;
    }
    if (fits.some((x) => x.app === d.app && x.fps >= d.fps && x.latencyMs <= d.latencyMs)) continue;
    const may = mayFitAlone(p, d, solver, stepMs);
    if (may === false) {
      out.push(d);
      found.add(d.index);
    } else if (may) fits.push(d);
  }
  return found;
}
