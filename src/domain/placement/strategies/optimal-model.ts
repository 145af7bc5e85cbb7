/**
 * The MILP behind `optimal`. Variables, per deployment d, module m, variant
 * v and slot s (GPU, or a node's cores) with a profile:
 *   x[dmvs] ≥ 0 fps served there,  y[dmvs] ∈ {0,1} a share exists,
 *   a[d] ∈ {0,1} admitted,  r[app,m,v,s] ∈ {0,1} a replica runs (memory).
 * Capacity: Σ x/F ≤ 1 − headroom per GPU; Σ cpuCores·x/F ≤ cpus·(1 − h)
 * per node; Σ r·gpuMemoryMB ≤ GPU memory; Σ r·memoryMB ≤ node memory;
 * Σ_vs x[dmvs] = fps·a[d] for every module.
 * Latency (not linear: L/(1 − u) with u the sum of every tenant's load) is
 * linearised conservatively with utilisation levels: each slot picks one
 * level c_k (z[sk], Σ_k z = 1), its load must stay ≤ c_k, and a module on it
 * is charged L/(1 − c_k) ≥ its true latency. Slowest share: ℓ[dm] ≥ that
 * charge wherever y = 1. The router's hop (latency.ts): binary e[dm] ≥
 * v[dm,n] + Σ_{n'≠n} v[d,entry,n']/N − 1 (v[dm,n] ≥ y on node n): a share
 * of m on a node other than one holding the entry module, charged the
 * module's worst hop over any link (worstHopCostMs).
 * Longest path: start times t[dm'] ≥ t[dm] + ℓ[dm] + hop·e[dm]; the sinks'
 * finish ≤ target + M(1 − a[d]). So every solution is valid under the real
 * estimate; the optimum is optimal up to the level grid (LEVELS).
 * Size: O(D·M·V·S) columns and rows (plus K per slot).
 */
import { ClusterState } from '../cluster-state.js';
import type { Share } from '../latency.js';
import { INF, MilpBuilder } from '../milp.js';
import type { Profile } from '../../types.js';
import { type AppInfo, type DeploymentInfo, type Problem, profileFor, type Slot, worstHopCostMs } from '../problem.js';

/** Utilisation levels (the last one is 1 − headroom). */
export const LEVELS = [0.2, 0.35, 0.5, 0.6, 0.7, 0.78, 0.85, 0.9, 0.95];

export interface XVar {
  col: number;
  /** its share indicator */
  y: number;
  /** the replica's indicator */
  r: number;
  dep: number;
  module: number;
  variant: string;
  slot: number;
}

export interface DepCols {
  admit: number;
  ell: number[];
  start: number[];
  finish: number;
  /** used[m][node] (-1: no share possible there) */
  used: number[][];
  /** per module: its hop column (a share away from an entry box) and the hop's cost */
  hops: Array<{ e: number; cost: number }>;
}

export interface OptimalModel {
  b: MilpBuilder;
  xs: XVar[];
  /** admission column per deployment index (absent: cannot be placed at all). */
  admit: Map<number, number>;
  deps: Map<number, DepCols>;
  /** per slot: its level columns and utilisation levels */
  z: number[][];
  levels: number[][];
}

/**
 * `extraLevels[slot]`: utilisations to add to that slot's grid (the
 * warm-start plan's own, so that plan is exactly representable).
 */
export function buildOptimalModel(
  p: Problem,
  deps: readonly DeploymentInfo[],
  extraLevels?: readonly number[],
): OptimalModel {
  const b = new MilpBuilder('max');
  const h = p.headroom;
  const levelsOf = levelGrids(p, [...LEVELS.filter((c) => c < 1 - h - 1e-9), 1 - h], extraLevels);
  const z = levelsOf.map((levels) => levels.map(() => b.bin()));
  const depCols = new Map<number, DepCols>();
  const admit = new Map<number, number>();
  const sink = shareSink(p, b, z);
  for (const d of deps) {
    const app = p.apps.get(d.app)!;
    const a = b.bin();
    admit.set(d.index, a);
    const ell = app.modules.map(() => b.col(0, 0, INF));
    const start = app.modules.map(() => b.col(0, 0, INF));
    const used = app.modules.map(() => p.nodes.map(() => -1)); // v[dm,n]
    let bigM = 0;
    for (const m of app.modules) {
      const serve: Array<[number, number]> = [[a, -d.fps]];
      let worst = 0;
      for (const v of m.variants)
        for (const s of p.slots) {
          if (s.gpu !== m.gpu) continue;
          const pr = profileFor(p, d.app, m.name, v.name, s.model);
          if (!pr) continue;
          // The charge of the slot's level, wherever a share is.
          const w = levelsOf[s.index]!.map((c) => pr.latencyMs / (1 - c));
          worst = Math.max(worst, addShare(sink, { d, m: m.index, v: v.name, s, pr, w }, { serve, ell, used }));
        }
      b.row(serve, 0, 0);
      bigM += worst;
    }
    const path = addPathRows(b, p, app, { ell, start, used }, bigM);
    bigM = path.bigM;
    const { finish, hops } = path;
    depCols.set(d.index, { admit: a, ell, start, finish, used, hops });
    b.row(
      [
        [finish, 1],
        [a, bigM],
      ],
      -INF,
      d.latencyMs + bigM,
    );
  }
  addSlotRows(b, p, z, levelsOf, sink.terms);
  return { b, xs: sink.xs, admit, deps: depCols, z, levels: levelsOf };
}

/** Where a model's share columns go: its builder, its share list, its replica binaries and per-slot terms. */
export interface ShareSink {
  b: MilpBuilder;
  xs: XVar[];
  /** replica binary by `app|module|variant|slot` */
  replicas: Map<string, number>;
  /** level binaries z[slot][k] */
  z: number[][];
  terms: SlotTerms;
}

/** An empty sink for a model's shares over `p`'s slots and nodes, with level binaries `z`. */
export function shareSink(p: Problem, b: MilpBuilder, z: number[][]): ShareSink {
  const perSlot = () => p.slots.map((): Array<[number, number]> => []);
  const perNode = () => p.nodes.map((): Array<[number, number]> => []);
  return {
    b,
    xs: [],
    replicas: new Map(),
    z,
    terms: { gpuLoad: perSlot(), cores: perNode(), gpuMem: perSlot(), nodeMem: perNode() },
  };
}

/** One share: deployment `d`'s module `m` in variant `v` on slot `s` (profile `pr`), charged `w[k]` at level k. */
export interface ShareSpec {
  d: DeploymentInfo;
  m: number;
  v: string;
  s: Slot;
  pr: Profile;
  w: readonly number[];
}

/**
 * Adds one share's columns and rows: x (its fps) and y (it exists), x ≤ fps·y (then `cuts(y)`, the caller's
 * own rows on y); its GPU load and cores; the replica binary r ≥ y, whose memory counts once per app, module,
 * variant and slot; ℓ[m] ≥ Σ_k w_k z[s,k] − W(1 − y) (the slowest share); v[m,node] ≥ y. Appends it to
 * `serve` (Σ x = fps·a) and to the sink's shares. Returns W, its highest charge (for the big M).
 */
export function addShare(
  sink: ShareSink,
  o: ShareSpec,
  cols: { serve: Array<[number, number]>; ell: readonly number[]; used: number[][] },
  cuts?: (y: number) => void,
): number {
  const { b, terms, z } = sink;
  const { d, m, v, s, pr, w } = o;
  const x = b.col(0, 0, d.fps);
  const y = b.bin();
  const xv: XVar = { col: x, y, r: -1, dep: d.index, module: m, variant: v, slot: s.index };
  sink.xs.push(xv);
  cols.serve.push([x, 1]);
  b.row(
    [
      [x, 1],
      [y, -d.fps],
    ],
    -INF,
    0,
  );
  cuts?.(y);
  const frac = 1 / pr.maxFps;
  if (s.gpu) terms.gpuLoad[s.index]!.push([x, frac]);
  terms.cores[s.node]!.push([x, (pr.cpuCores ?? 0) * frac]);
  const rk = `${d.app}|${m}|${v}|${s.index}`;
  let r = sink.replicas.get(rk);
  if (r === undefined) {
    r = b.bin();
    sink.replicas.set(rk, r);
    if (s.gpu) terms.gpuMem[s.index]!.push([r, pr.gpuMemoryMB ?? 0]);
    terms.nodeMem[s.node]!.push([r, pr.memoryMB ?? 0]);
  }
  xv.r = r;
  b.row(
    [
      [r, 1],
      [y, -1],
    ],
    0,
    INF,
  );
  const W = w[w.length - 1]!;
  b.row([[cols.ell[m]!, 1], ...w.map((wk, k): [number, number] => [z[s.index]![k]!, -wk]), [y, -W]], -W, INF);
  const used = cols.used[m]!;
  if (used[s.node]! < 0) used[s.node] = b.col(0, 0, 1);
  b.row(
    [
      [used[s.node]!, 1],
      [y, -1],
    ],
    0,
    INF,
  );
  return W;
}

/** Per slot: `grid` plus its `extraLevels` entry when that is new and inside (0, 1 − headroom), sorted. */
export function levelGrids(p: Problem, grid: readonly number[], extraLevels?: readonly number[]): number[][] {
  const h = p.headroom;
  return p.slots.map((s) => {
    const extra = extraLevels?.[s.index];
    const l =
      extra !== undefined && extra > 1e-9 && extra < 1 - h - 1e-6 && !grid.some((g) => Math.abs(g - extra) < 1e-9)
        ? [...grid, extra]
        : [...grid];
    return l.sort((x, y) => x - y);
  });
}

/**
 * One deployment's router hop and longest path, given its slowest-share
 * columns `ell`, start times `start` and per-node use `used[m][node]`:
 * per module a hop binary e ≥ v[m,n] + Σ_{n'≠n} v[entry,n']/N − 1, charged
 * the module's worst hop; t[next] ≥ t[m] + ℓ[m] + hop·e and finish ≥ the
 * same for every module. Adds the hop costs to `bigM` and returns it; the
 * caller adds the finish ≤ target row.
 */
export function addPathRows(
  b: MilpBuilder,
  p: Problem,
  app: AppInfo,
  cols: { ell: readonly number[]; start: readonly number[]; used: readonly (readonly number[])[] },
  bigM: number,
): { finish: number; hops: Array<{ e: number; cost: number }>; bigM: number } {
  const { ell, start, used } = cols;
  const finish = b.col(0, 0, INF);
  const N = p.nodes.length;
  const hops = app.modules.map((m) => ({ e: b.bin(), cost: worstHopCostMs(p, m) }));
  for (const m of app.modules) {
    const { e, cost } = hops[m.index]!;
    bigM += cost;
    // e = 1 when m has a share on node n and the entry module one on another node.
    for (let n = 0; n < N; n++) {
      const here = used[m.index]![n]!;
      if (here < 0) continue;
      const elsewhere: Array<[number, number]> = [];
      used[app.entry]!.forEach((col, n2) => {
        if (col >= 0 && n2 !== n) elsewhere.push([col, -1 / N]);
      });
      if (elsewhere.length) b.row([[e, 1], [here, -1], ...elsewhere], -1, INF);
    }
    b.row(
      [
        [finish, 1],
        [start[m.index]!, -1],
        [ell[m.index]!, -1],
        [e, -cost],
      ],
      0,
      INF,
    );
    for (const nx of m.next) {
      b.row(
        [
          [start[nx]!, 1],
          [start[m.index]!, -1],
          [ell[m.index]!, -1],
          [e, -cost],
        ],
        0,
        INF,
      );
    }
  }
  return { finish, hops, bigM };
}

/** Per-slot terms collected while the shares are built. */
export interface SlotTerms {
  /** per slot: Σ x/maxFps (GPU slots) */
  gpuLoad: Array<Array<[number, number]>>;
  /** per node: Σ cpuCores·x/maxFps */
  cores: Array<Array<[number, number]>>;
  /** per slot: Σ r·gpuMemoryMB */
  gpuMem: Array<Array<[number, number]>>;
  /** per node: Σ r·memoryMB */
  nodeMem: Array<Array<[number, number]>>;
}

/** Per slot: exactly one level; capacity (1 − headroom); load ≤ the level; memory. */
export function addSlotRows(
  b: MilpBuilder,
  p: Problem,
  z: readonly (readonly number[])[],
  levelsOf: readonly (readonly number[])[],
  t: SlotTerms,
): void {
  const h = p.headroom;
  p.slots.forEach((s, i) => {
    b.row(
      z[i]!.map((c) => [c, 1]),
      1,
      1,
    );
    const cap = z[i]!.map((c, k): [number, number] => [c, -levelsOf[i]![k]!]);
    if (s.gpu) {
      b.row(t.gpuLoad[i]!, -INF, 1 - h);
      b.row([...t.gpuLoad[i]!, ...cap], -INF, 0);
      b.row(t.gpuMem[i]!, -INF, s.memoryMB);
    } else {
      const n = p.nodes[s.node]!;
      b.row(t.cores[s.node]!, -INF, n.cpus * (1 - h));
      b.row([...t.cores[s.node]!, ...cap.map(([c, v]): [number, number] => [c, v * n.cpus])], -INF, 0);
      b.row(t.nodeMem[s.node]!, -INF, n.memoryMB);
    }
  });
}

/** Share columns below this many fps are the solver's noise, not a replica. */
const NOISE_FPS = 1e-6;

/**
 * The plan a solution describes, as a state: the shares of every admitted deployment, each module's rescaled
 * to exactly the deployment's fps (the solver's tolerance leaves them a little off). O(share columns).
 */
export function solutionState(
  p: Problem,
  model: Pick<OptimalModel, 'xs' | 'admit'>,
  values: ArrayLike<number>,
): ClusterState {
  const state = new ClusterState(p, false);
  const byDep = new Map<number, Share[]>();
  for (const x of model.xs) {
    const fps = values[x.col]!;
    if (fps < NOISE_FPS || Math.round(values[model.admit.get(x.dep)!]!) !== 1) continue;
    if (!byDep.has(x.dep)) byDep.set(x.dep, []);
    byDep.get(x.dep)!.push({ dep: x.dep, module: x.module, variant: x.variant, slot: x.slot, fps });
  }
  for (const [dep, shares] of byDep) {
    const d = p.deployments[dep]!;
    for (const mod of p.apps.get(d.app)!.modules) {
      const mine = shares.filter((s) => s.module === mod.index);
      const sum = mine.reduce((a, s) => a + s.fps, 0);
      for (const s of mine) s.fps = (s.fps * d.fps) / sum;
    }
    state.addShares(dep, shares);
  }
  return state;
}
