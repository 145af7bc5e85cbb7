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
import { type AppInfo, type DeploymentInfo, type Problem, dagProfiles, edgeCostMs, moduleVariant } from '../problem.js';

/**
 * `pack`: tightest fit (best-fit); `latency`: the slot where the module runs
 * fastest under load; `thin`: like latency, but a module that would miss its
 * share of the target on one replica is spread over more (a last resort:
 * it holds more GPUs to low utilisation).
 */
export type Mode = 'pack' | 'latency' | 'thin';

/** Per (app, module, variant): slots with a profile and that profile's maxFps. */
export class SlotIndex {
  private readonly cache = new Map<string, number[]>();
  constructor(readonly p: Problem) {}

  slots(app: AppInfo, module: number, variant: string): number[] {
    const key = `${app.name}\u0000${module}\u0000${variant}`;
    let list = this.cache.get(key);
    if (!list) {
      const by = moduleVariant(this.p, app.name, module, variant).bySlot;
      list = this.p.slots.filter((s) => by[s.index]).map((s) => s.index);
      this.cache.set(key, list);
    }
    return list;
  }
}

const MIN_PIECE_FPS = 1;
/** A latency split uses at most this many replicas of one module. */
const MAX_PIECES = 8;

const bestCache = new WeakMap<object, number>();
/** The highest maxFps of a module variant on any slot (cached). */
function bestFps(mv: { bySlot: ReadonlyArray<{ maxFps: number } | undefined> }): number {
  let b = bestCache.get(mv);
  if (b === undefined) {
    b = mv.bySlot.reduce((a, pr) => Math.max(a, pr?.maxFps ?? 0), 0);
    bestCache.set(mv, b);
  }
  return b;
}

/** The single slot that takes all `fps`, preferring the draft's nodes; undefined if none. */
function bestSingle(draft: Draft, module: number, variant: string, fps: number, cands: readonly number[], mode: Mode): number | undefined {
  const p = draft.state.p;
  let best: number | undefined;
  let bestKey = Infinity;
  for (const slot of cands) {
    const can = draft.maxFps(module, variant, slot);
    if (can < fps - 1e-9) continue;
    const prof = draft.profile(module, variant, slot)!;
    const after = draft.util(slot) + (p.slots[slot]!.gpu ? fps / prof.maxFps : 0);
    const local = draft.nodes.has(p.slots[slot]!.node) || !draft.nodes.size;
    const key = mode === 'pack'
      ? (local ? 0 : 10) + (can - fps) / prof.maxFps
      : prof.latencyMs / Math.max(1e-9, 1 - after) + (local ? 0 : edgeCostMs(p, 150));
    if (key < bestKey) { bestKey = key; best = slot; }
  }
  return best;
}

export function placeModule(draft: Draft, module: number, variant: string, fps: number, cands: readonly number[], mode: Mode, budgetMs = Infinity): boolean {
  const single = bestSingle(draft, module, variant, fps, cands, mode);
  if (single !== undefined && mode === 'thin') {
    // One replica if it meets the module's share of the target; else spread it thinner.
    const prof = draft.profile(module, variant, single)!;
    const u = draft.util(single) + (draft.state.p.slots[single]!.gpu ? fps / prof.maxFps : 0);
    if (prof.latencyMs / Math.max(1e-9, 1 - u) > budgetMs) {
      const trial = new Draft(draft.state, draft.dep);
      const worst = trial.placeBalanced(module, variant, fps, latencyOrder(draft, module, variant, cands), MAX_PIECES, budgetMs);
      if (worst !== undefined && worst < prof.latencyMs / Math.max(1e-9, 1 - u)) {
        return draft.placeBalanced(module, variant, fps, latencyOrder(draft, module, variant, cands), MAX_PIECES, budgetMs) !== undefined;
      }
    }
  }
  if (single !== undefined) { draft.add(module, variant, single, fps); return true; }
  const p = draft.state.p;
  if (mode !== 'pack') return draft.placeBalanced(module, variant, fps, latencyOrder(draft, module, variant, cands), MAX_PIECES, budgetMs) !== undefined;
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
function slotsOn(p: Problem, app: AppInfo, index: SlotIndex, m: number, variant: string, nodes: readonly number[] | undefined): number[] {
  if (!nodes) return index.slots(app, m, variant);
  const by = moduleVariant(p, app.name, m, variant).bySlot;
  const out: number[] = [];
  for (const n of nodes) {
    const info = p.nodes[n]!;
    if (!app.modules[m]!.gpu) { if (by[info.cpuSlot]) out.push(info.cpuSlot); continue; }
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
  const fastest = app.modules.map((m) => moduleVariant(p, app.name, m.index, variants[m.index]!).bySlot
    .reduce((a, pr) => Math.min(a, pr?.latencyMs ?? Infinity), Infinity));
  const sum = fastest.reduce((a, x) => a + (Number.isFinite(x) ? x : 0), 0);
  return fastest.map((x) => (sum > 0 && Number.isFinite(x) ? 0.95 * d.latencyMs * (x / sum) : Infinity));
}

/**
 * Builds one candidate on `nodes` (one node: the whole-DAG case; undefined:
 * anywhere). O(modules · slots of those nodes).
 */
export function buildDraft(
  state: ClusterState, index: SlotIndex, d: DeploymentInfo, variants: readonly string[], mode: Mode, nodes?: readonly number[],
): Draft | undefined {
  const p = state.p;
  const app = p.apps.get(d.app)!;
  const draft = new Draft(state, d.index);
  const gpuMods = app.modules.filter((m) => m.gpu).map((m) => ({ m: m.index, w: moduleWeight(p, app, m.index, variants[m.index]!) }))
    .sort((a, b) => b.w - a.w || a.m - b.m);
  const budgets = mode === 'thin' ? moduleBudgets(p, app, d, variants) : [];
  for (const { m } of gpuMods) {
    if (!placeModule(draft, m, variants[m]!, d.fps, slotsOn(p, app, index, m, variants[m]!, nodes), mode, budgets[m])) return undefined;
  }
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
    if (single !== undefined) { draft.add(m, variants[m]!, single, d.fps); continue; }
    if (!placeModule(draft, m, variants[m]!, d.fps, cands, mode, budgets[m])) return undefined;
  }
  return draft;
}

/** Keeps the `limit` smallest keys (ties: lower node first). O(limit) per offer. */
class TopK {
  readonly items: Array<{ node: number; key: number }> = [];
  constructor(private readonly limit: number) {}
  offer(node: number, key: number): void {
    if (this.limit <= 0) return;
    const it = this.items;
    if (it.length === this.limit && key >= it[it.length - 1]!.key) return;
    let i = it.length;
    while (i > 0 && it[i - 1]!.key > key) i--;
    it.splice(i, 0, { node, key });
    if (it.length > this.limit) it.pop();
  }
  nodes(): number[] {
    return this.items.map((x) => x.node);
  }
}

/**
 * Nodes worth trying for the whole DAG, best first: `pack` by the GPU share
 * left on the tightest GPU that takes every GPU module (the "*" profile when
 * it is there and stricter), `spread` by the GPU modules' loaded latency
 * there. One pass:
 * O(nodes · GPUs per node · GPU modules).
 */
export function wholeDagNodes(state: ClusterState, d: DeploymentInfo, variants: readonly string[], packLimit: number, spreadLimit: number, slackLimit = 0): { pack: number[]; spread: number[]; slack: number[] } {
  const p = state.p;
  const app = p.apps.get(d.app)!;
  const gpuMods = app.modules.filter((m) => m.gpu).map((m) => moduleVariant(p, app.name, m.index, variants[m.index]!).bySlot);
  const stars = variants.every((v) => v === 'default') ? dagProfiles(p, app) : undefined;
  const pack = new TopK(packLimit);
  const spread = new TopK(spreadLimit);
  const slack = new TopK(slackLimit);
  for (const n of p.nodes) {
    if (!gpuMods.length) {
      const free = Math.min(state.coresFree(n.index), state.cap[n.cpuSlot]! * n.cpus - state.cores[n.index]!);
      if (free <= 0) continue;
      pack.offer(n.index, free);
      spread.offer(n.index, state.util(n.cpuSlot));
      continue;
    }
    let packKey = Infinity;
    let spreadKey = Infinity;
    let slackKey = Infinity;
    for (const g of n.gpuSlots) {
      let share = 0;
      let lat = 0;
      for (const by of gpuMods) {
        const pr = by[g];
        share = pr ? share + d.fps / pr.maxFps : Infinity;
        lat += pr?.latencyMs ?? 0;
      }
      if (share === Infinity) continue;
      const star = stars?.[g];
      if (star) share = Math.max(share, d.fps / star.maxFps);
      const load = state.gpuLoad[g]!;
      const room = Math.min(state.gpuFree(g), state.cap[g]! - load);
      // Several GPUs of one node may share the DAG: rank those after single fits.
      const fits = share <= room;
      packKey = Math.min(packKey, fits ? room - share : 10 + load);
      // Latency ranking: the GPU modules' loaded latency there.
      const loaded = lat / Math.max(1e-9, 1 - load - share);
      spreadKey = Math.min(spreadKey, fits ? loaded : 1e6 + load);
      // Latency fit: the GPU that uses the most of the target (leaves fast GPUs to tight deployments).
      if (fits && loaded <= d.latencyMs * 0.9) slackKey = Math.min(slackKey, d.latencyMs - loaded);
    }
    if (packKey < Infinity) { pack.offer(n.index, packKey); spread.offer(n.index, spreadKey); }
    if (slackKey < Infinity) slack.offer(n.index, slackKey);
  }
  return { pack: pack.nodes(), spread: spread.nodes(), slack: slack.nodes() };
}

/**
 * Nodes a split may use on a large cluster: the whole-DAG candidates, the
 * nodes with the most free GPU share (within latency caps), and the nodes
 * where the deployment's heaviest GPU module runs fastest under their load
 * now (for latency-tight deployments). All nodes when the cluster is small.
 * O(N · G).
 */
export function splitNodes(state: ClusterState, d: DeploymentInfo, whole: readonly number[], limit: number): number[] | undefined {
  const p = state.p;
  if (p.nodes.length <= limit) return undefined;
  const app = p.apps.get(d.app)!;
  let heaviest: Array<{ latencyMs: number } | undefined> | undefined;
  let worst = 0;
  for (const m of app.modules) {
    if (!m.gpu) continue;
    const mv = moduleVariant(p, app.name, m.index, 'default');
    const w = bestFps(mv);
    if (w > 0 && 1 / w > worst) { worst = 1 / w; heaviest = mv.bySlot; }
  }
  const roomy = new TopK(limit);
  const fast = new TopK(limit);
  for (const n of p.nodes) {
    let free = n.gpuSlots.length ? 0 : Math.max(0, state.coresFree(n.index)) / Math.max(1, n.cpus);
    let quickest = Infinity;
    for (const g of n.gpuSlots) {
      const room = Math.max(0, Math.min(state.gpuFree(g), state.cap[g]! - state.gpuLoad[g]!));
      free += room;
      const pr = heaviest?.[g];
      if (pr && room > 0) quickest = Math.min(quickest, pr.latencyMs / Math.max(1e-9, 1 - state.gpuLoad[g]!));
    }
    if (free > 0) roomy.offer(n.index, -free);
    if (quickest < Infinity) fast.offer(n.index, quickest);
  }
  return [...new Set([...whole, ...roomy.nodes(), ...fast.nodes()])];
}
