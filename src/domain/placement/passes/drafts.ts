/**
 * Rim's candidate placements for one deployment: the whole DAG on one node
 * (GPU modules on one of its GPUs when they fit, as the "*" profile
 * measures), or split across nodes by module profiles, heaviest GPU module
 * first, every later module preferring the nodes already used (so heavy
 * edges stay local), CPU modules next to their heaviest neighbour.
 * `pack` picks the tightest fit (best-fit), `spread` the least utilised slot
 * (for latency-tight deployments).
 * Cost: O(modules · candidate slots) per draft; no sorting unless a module
 * must be split over several accelerators.
 */
import type { ClusterState } from '../cluster-state.js';
import { Draft } from '../draft.js';
import {
  type AppInfo,
  type DeploymentInfo,
  type ModuleVariant,
  type Problem,
  edgeCostMs,
  moduleVariant,
} from '../problem.js';
import { placeGpuModulesAtLevel } from './level-split.js';

/**
 * Share of the target a level split plans its path within (its own allowance for CPU modules and hops is
 * conservative already; 0.95 measured a point lower on the 64-node workloads, docs/performance.md round 8).
 */
const LEVEL_SHARE = 1;

/**
 * `pack`: tightest fit (best-fit); `latency`: the slot where the module runs
 * fastest under load; `thin`: like latency, but a module that would miss its
 * share of the target on one replica is spread over more (a last resort:
 * it holds more GPUs to low utilisation); `level`: the GPU modules
 * together, each GPU used holding a piece of every one up to the level the
 * whole path allows (level-split.ts), the CPU modules then as `latency`; `levelHigh`: the same, the GPUs
 * whose level is highest first (repack.ts).
 */
export type Mode = 'pack' | 'latency' | 'thin' | 'level' | 'levelHigh';

/** Slots with a profile, per module variant (kept with the problem's own ModuleVariant objects). */
const withProfile = new WeakMap<ModuleVariant, number[]>();

/** Per (app, module, variant): the slots with a profile. Computed once per problem. */
export class SlotIndex {
  constructor(readonly p: Problem) {}

  slots(app: AppInfo, module: number, variant: string): number[] {
    const mv = moduleVariant(this.p, app.name, module, variant);
    let list = withProfile.get(mv);
    if (!list) {
      list = this.p.slots.filter((s) => mv.bySlot[s.index]).map((s) => s.index);
      withProfile.set(mv, list);
    }
    return list;
  }
}

const MIN_PIECE_FPS = 1;
/** A latency split uses at most this many replicas of one module. */
const MAX_PIECES = 8;

const bestCache = new WeakMap<object, number>();
/** The highest maxFps of a module variant on any slot (cached). */
export function bestFps(mv: { bySlot: ReadonlyArray<{ maxFps: number } | undefined> }): number {
  let b = bestCache.get(mv);
  if (b === undefined) {
    b = mv.bySlot.reduce((a, pr) => Math.max(a, pr?.maxFps ?? 0), 0);
    bestCache.set(mv, b);
  }
  return b;
}

/** The single slot that takes all `fps`, preferring the draft's nodes; undefined if none. */
function bestSingle(
  draft: Draft,
  module: number,
  variant: string,
  fps: number,
  cands: readonly number[],
  mode: Mode,
): number | undefined {
  const p = draft.state.p;
  let best: number | undefined;
  let bestKey = Infinity;
  for (const slot of cands) {
    const can = draft.maxFps(module, variant, slot);
    if (can < fps - 1e-9) continue;
    const prof = draft.profile(module, variant, slot)!;
    const after = draft.util(slot) + (p.slots[slot]!.gpu ? fps / prof.maxFps : 0);
    const local = draft.nodes.has(p.slots[slot]!.node) || !draft.nodes.size;
    const key =
      mode === 'pack'
        ? (local ? 0 : 10) + (can - fps) / prof.maxFps
        : prof.latencyMs / Math.max(1e-9, 1 - after) + (local ? 0 : edgeCostMs(p, 150));
    if (key < bestKey) {
      bestKey = key;
      best = slot;
    }
  }
  return best;
}

export function placeModule(
  draft: Draft,
  module: number,
  variant: string,
  fps: number,
  cands: readonly number[],
  mode: Mode,
  budgetMs = Infinity,
): boolean {
  const single = bestSingle(draft, module, variant, fps, cands, mode);
  if (single !== undefined && mode === 'thin') {
    // One replica if it meets the module's share of the target; else spread it thinner.
    const prof = draft.profile(module, variant, single)!;
    const u = draft.util(single) + (draft.state.p.slots[single]!.gpu ? fps / prof.maxFps : 0);
    if (prof.latencyMs / Math.max(1e-9, 1 - u) > budgetMs) {
      const trial = new Draft(draft.state, draft.dep);
      const order = latencyOrder(draft, module, variant, cands);
      const worst = trial.placeBalanced(module, variant, fps, order, MAX_PIECES, budgetMs);
      if (worst !== undefined && worst < prof.latencyMs / Math.max(1e-9, 1 - u)) {
        return draft.placeBalanced(module, variant, fps, order, MAX_PIECES, budgetMs) !== undefined;
      }
    }
  }
  if (single !== undefined) {
    draft.add(module, variant, single, fps);
    return true;
  }
  const p = draft.state.p;
  if (mode !== 'pack') {
    const order = latencyOrder(draft, module, variant, cands);
    return draft.placeBalanced(module, variant, fps, order, MAX_PIECES, budgetMs) !== undefined;
  }
  // Split to pack: local slots first, then by room, largest first (fewest replicas).
  const order = cands
    .map((s) => ({ s, local: draft.nodes.has(p.slots[s]!.node) ? 0 : 1, room: draft.maxFps(module, variant, s) }))
    .filter((x) => x.room > 1e-9)
    .sort((a, b) => a.local - b.local || b.room - a.room || a.s - b.s)
    .map((x) => x.s);
  return draft.place(module, variant, fps, order, MIN_PIECE_FPS);
}

/** GPU share one fps of a module variant costs on its best accelerator. */
function moduleWeight(p: Problem, app: AppInfo, m: number, variant: string): number {
  const best = bestFps(moduleVariant(p, app.name, m, variant));
  return best > 0 ? 1 / best : Infinity;
}

/** A module variant's candidate slots, on `nodes` only when given. O(slots of those nodes). */
function slotsOn(
  p: Problem,
  app: AppInfo,
  index: SlotIndex,
  m: number,
  variant: string,
  nodes: readonly number[] | undefined,
): number[] {
  if (!nodes) return index.slots(app, m, variant);
  const by = moduleVariant(p, app.name, m, variant).bySlot;
  const out: number[] = [];
  for (const n of nodes) {
    const info = p.nodes[n]!;
    if (!app.modules[m]!.gpu) {
      if (by[info.cpuSlot]) out.push(info.cpuSlot);
      continue;
    }
    for (const g of info.gpuSlots) if (by[g]) out.push(g);
  }
  return out;
}

/** Slots by the module's loaded latency there now, fastest first. */
function latencyOrder(draft: Draft, module: number, variant: string, cands: readonly number[]): number[] {
  return cands
    .map((s) => ({ s, key: draft.profile(module, variant, s)!.latencyMs / Math.max(1e-9, 1 - draft.util(s)) }))
    .sort((a, b) => a.key - b.key || a.s - b.s)
    .map((x) => x.s);
}

/**
 * Each module's share of the deployment's latency target, in proportion to
 * its fastest light-load latency (what a latency-mode split aims under).
 */
function moduleBudgets(p: Problem, app: AppInfo, d: DeploymentInfo, variants: readonly string[]): number[] {
  const fastest = app.modules.map((m) =>
    moduleVariant(p, app.name, m.index, variants[m.index]!).bySlot.reduce(
      (a, pr) => Math.min(a, pr?.latencyMs ?? Infinity),
      Infinity,
    ),
  );
  const sum = fastest.reduce((a, x) => a + (Number.isFinite(x) ? x : 0), 0);
  return fastest.map((x) => (sum > 0 && Number.isFinite(x) ? 0.95 * d.latencyMs * (x / sum) : Infinity));
}

/**
 * Builds one candidate on `nodes` (one node: the whole-DAG case; undefined:
 * anywhere). O(modules · slots of those nodes).
 */
export function buildDraft(
  state: ClusterState,
  index: SlotIndex,
  d: DeploymentInfo,
  variants: readonly string[],
  mode: Mode,
  nodes?: readonly number[],
): Draft | undefined {
  const p = state.p;
  const app = p.apps.get(d.app)!;
  const draft = new Draft(state, d.index);
  const gpuMods = app.modules
    .filter((m) => m.gpu)
    .map((m) => ({ m: m.index, w: moduleWeight(p, app, m.index, variants[m.index]!) }))
    .sort((a, b) => b.w - a.w || a.m - b.m);
  const budgets = mode === 'thin' ? moduleBudgets(p, app, d, variants) : [];
  if (mode === 'level' || mode === 'levelHigh') {
    if (!placeGpuModulesAtLevel(draft, d, variants, LEVEL_SHARE, nodes, mode === 'levelHigh')) return undefined;
  } else {
    for (const { m } of gpuMods) {
      const cands = slotsOn(p, app, index, m, variants[m]!, nodes);
      if (!placeModule(draft, m, variants[m]!, d.fps, cands, mode, budgets[m])) return undefined;
    }
  }
  const cpuMode = mode === 'level' || mode === 'levelHigh' ? 'latency' : mode;
  for (const m of app.topo) {
    const mod = app.modules[m]!;
    if (mod.gpu) continue;
    const cands = slotsOn(p, app, index, m, variants[m]!, nodes);
    // Prefer the node of the neighbour with the heaviest edge to this module.
    const neighbours: Array<{ node: number; kb: number }> = [];
    for (const s of draft.shares) {
      const other = app.modules[s.module]!;
      const kb = other.next.includes(m) ? other.frameKB : mod.next.includes(s.module) ? mod.frameKB : -1;
      if (kb >= 0) neighbours.push({ node: p.slots[s.slot]!.node, kb });
    }
    neighbours.sort((a, b) => b.kb - a.kb || a.node - b.node);
    const preferred = neighbours.map((x) => p.nodes[x.node]!.cpuSlot).filter((s) => cands.includes(s));
    const single = preferred.find((s) => draft.maxFps(m, variants[m]!, s) >= d.fps - 1e-9);
    if (single !== undefined) {
      draft.add(m, variants[m]!, single, d.fps);
      continue;
    }
    if (!placeModule(draft, m, variants[m]!, d.fps, cands, cpuMode, budgets[m])) return undefined;
  }
  return draft;
}
