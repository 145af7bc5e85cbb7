/**
 * A level split (issue #11, round 8): a latency-tight deployment's GPU
 * modules go together, every GPU it uses holding a piece of each GPU module
 * at one utilisation level, the highest at which the DAG's longest path
 * still meets the target on that GPU's model (the bound's level per GPU,
 * latency-bound.ts, chosen for the whole DAG at once). GPUs already in use
 * and below their level come first, most loaded first (the tight tenants of
 * one level share the same cool GPUs), then idle ones, fastest first; each
 * is filled up to its level. A thin split (drafts.ts `thin`) places one
 * module at a time, water-filling each over idle GPUs, and the path's other
 * modules then use up the slack, so GPUs it holds at utilisation 0.1 can
 * take nothing more; a level split holds as few GPUs as the target allows.
 * O(GPU slots · GPU modules).
 */
import type { Draft } from '../draft.js';
import {
  type AppInfo,
  type DeploymentInfo,
  type ModuleInfo,
  moduleVariant,
  type Problem,
  worstHopCostMs,
} from '../problem.js';

const EPS = 1e-9;
/** Pieces under this many fps are not worth their replicas (unless they finish the deployment). */
const MIN_PIECE_FPS = 1;
/** Levels this close count as one when a split takes the GPUs of the highest level first. */
const LEVEL_STEP = 0.05;
/** GPUs one level split uses at most. */
const MAX_GPUS = 16;

const hopCache = new WeakMap<ModuleInfo, number>();
function worstHop(p: Problem, mod: ModuleInfo): number {
  let h = hopCache.get(mod);
  if (h === undefined) {
    h = worstHopCostMs(p, mod);
    hopCache.set(mod, h);
  }
  return h;
}

/** The longest path of `app`'s DAG with `cost` per module. O(modules + edges). */
function longestPath(app: AppInfo, cost: (m: number) => number): number {
  const start = new Float64Array(app.modules.length);
  let worst = 0;
  for (const m of app.topo) {
    const finish = start[m]! + cost(m);
    if (finish > worst) worst = finish;
    for (const nx of app.modules[m]!.next) if (finish > start[nx]!) start[nx] = finish;
  }
  return worst;
}

const slotLevelCache = new WeakMap<readonly string[], Map<number, Float64Array>>();

/**
 * Per slot, the level `d`'s whole path allows at `variants` on that GPU idle, within the full target (CPU modules
 * and hops counted as a level split counts them); 0 where it has no profile, misses the target, or is a CPU slot.
 * Cached per (variant level array, deployment). O(slots · GPU modules) the first time.
 */
export function slotLevels(p: Problem, d: DeploymentInfo, variants: readonly string[]): Float64Array {
  let byDep = slotLevelCache.get(variants);
  if (!byDep) {
    byDep = new Map();
    slotLevelCache.set(variants, byDep);
  }
  let out = byDep.get(d.index);
  if (out) return out;
  out = new Float64Array(p.slots.length);
  byDep.set(d.index, out);
  const t = levelTable(p, p.apps.get(d.app)!, variants);
  const budget = d.latencyMs - t.other;
  if (budget <= 0) return out;
  for (let i = 0; i < t.slot.length; i++) out[t.slot[i]!] = Math.max(0, 1 - t.base[i]! / budget);
  return out;
}

/**
 * What a level split reads per GPU, laid out once per (problem, variant level): per node, its GPUs that run
 * every GPU module of the app, each with its GPU modules' longest path (`base`, ms) and the GPU share one fps
 * of the whole DAG takes (`perFps`); and the latency the CPU modules (at half load) and the worst hops take off
 * the target (`other`). Each split then walks these arrays instead of looking profiles up and measuring the
 * path per GPU (level splits were 313 of 1,391 ms of a cold 512 × 2,000 solve, profiled). O(slots · modules) once.
 */
interface LevelTable {
  problem: Problem;
  other: number;
  /** The GPUs of node n are entries start[n] … start[n + 1] − 1. */
  start: Int32Array;
  slot: Int32Array;
  base: Float64Array;
  perFps: Float64Array;
}

const levelTables = new WeakMap<readonly string[], LevelTable>();

function levelTable(p: Problem, app: AppInfo, variants: readonly string[]): LevelTable {
  const known = levelTables.get(variants);
  if (known?.problem === p) return known;
  const prof = (m: number, slot: number) => moduleVariant(p, app.name, m, variants[m]!).bySlot[slot];
  const gpuMods = app.modules.filter((m) => m.gpu).map((m) => m.index);
  const cpuFastest = (m: number): number => {
    let best = Infinity;
    for (const s of p.slots) if (!s.gpu) best = Math.min(best, prof(m, s.index)?.latencyMs ?? best);
    return Number.isFinite(best) ? best : 0;
  };
  const other = longestPath(app, (m) => worstHop(p, app.modules[m]!) + (app.modules[m]!.gpu ? 0 : 2 * cpuFastest(m)));
  const start = new Int32Array(p.nodes.length + 1);
  const slot: number[] = [];
  const base: number[] = [];
  const perFps: number[] = [];
  for (const n of p.nodes) {
    start[n.index] = slot.length;
    for (const g of gpuMods.length ? n.gpuSlots : []) {
      if (!gpuMods.every((m) => prof(m, g))) continue;
      slot.push(g);
      base.push(longestPath(app, (m) => (app.modules[m]!.gpu ? prof(m, g)!.latencyMs : 0)));
      perFps.push(gpuMods.reduce((sum, m) => sum + 1 / prof(m, g)!.maxFps, 0));
    }
  }
  start[p.nodes.length] = slot.length;
  const t = {
    problem: p,
    other,
    start,
    slot: Int32Array.from(slot),
    base: Float64Array.from(base),
    perFps: Float64Array.from(perFps),
  };
  levelTables.set(variants, t);
  return t;
}

/**
 * Places the deployment's GPU modules on `draft` as a level split within
 * `share` of its target (the rest: CPU modules at half load and every
 * module's worst hop, taken off first). Returns whether all its fps found
 * GPUs. `nodes`: only these nodes' GPUs (undefined: any).
 */
export function placeGpuModulesAtLevel(
  draft: Draft,
  d: DeploymentInfo,
  variants: readonly string[],
  share: number,
  nodes?: readonly number[],
  highest = false,
): boolean {
  const state = draft.state;
  const p = state.p;
  const app = p.apps.get(d.app)!;
  const gpuMods = app.modules.filter((m) => m.gpu).map((m) => m.index);
  if (!gpuMods.length) return false;
  const t = levelTable(p, app, variants);
  // Latency left to the GPU modules: CPU modules counted at utilisation 0.5, every hop at its worst.
  const budget = share * d.latencyMs - t.other;
  if (budget <= 0) return false;
  const rows: Array<{ slot: number; level: number; perFps: number; used: boolean; base: number; u: number }> = [];
  const nodeList = nodes ?? p.nodes.map((n) => n.index);
  for (const n of nodeList) {
    for (let i = t.start[n]!; i < t.start[n + 1]!; i++) {
      const g = t.slot[i]!;
      const base = t.base[i]!;
      const level = Math.min(1 - base / budget, state.cap[g]!, 1 - p.headroom);
      const u = draft.util(g);
      if (level - u <= EPS) continue;
      rows.push({ slot: g, level, perFps: t.perFps[i]!, used: u > EPS, base, u });
    }
  }
  // In use first, most loaded first (best fit to the level); then idle, fastest first. `highest`: the GPUs
  // whose level is highest first (a step of LEVEL_STEP), those orders within a step.
  const step = (r: { base: number }): number => (highest ? Math.floor((1 - r.base / budget) / LEVEL_STEP) : 0);
  rows.sort(
    (a, b) =>
      step(b) - step(a) || Number(b.used) - Number(a.used) || (a.used ? b.u - a.u : a.base - b.base) || a.slot - b.slot,
  );
  let left = d.fps;
  let gpus = 0;
  for (const r of rows) {
    if (gpus >= MAX_GPUS) break;
    let f = Math.min(left, (r.level - draft.util(r.slot)) / r.perFps);
    // Memory and per-module limits (a module's replica that does not fit: maxFps 0).
    for (const m of gpuMods) f = Math.min(f, draft.maxFps(m, variants[m]!, r.slot));
    if (f <= EPS || (f < MIN_PIECE_FPS && f < left - EPS)) continue;
    if (!draft.fitsTogether(gpuMods, variants, r.slot)) continue;
    for (const m of gpuMods) draft.add(m, variants[m]!, r.slot, f);
    gpus++;
    left -= f;
    if (left <= EPS) return true;
  }
  return false;
}
