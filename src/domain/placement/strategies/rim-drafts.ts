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
import { type AppInfo, type DeploymentInfo, type Problem, dagProfile, profileFor } from '../problem.js';

export type Mode = 'pack' | 'spread';

/** Per (app, module, variant): slots with a profile and that profile's maxFps. */
export class SlotIndex {
  private readonly cache = new Map<string, number[]>();
  constructor(readonly p: Problem) {}

  slots(app: AppInfo, module: number, variant: string): number[] {
    const key = `${app.name}\u0000${module}\u0000${variant}`;
    let list = this.cache.get(key);
    if (!list) {
      const mod = app.modules[module]!;
      list = this.p.slots
        .filter((s) => s.gpu === mod.gpu && profileFor(this.p, app.name, mod.name, variant, s.model))
        .map((s) => s.index);
      this.cache.set(key, list);
    }
    return list;
  }
}

const MIN_PIECE_FPS = 1;

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
    const local = draft.nodes.has(p.slots[slot]!.node) ? 0 : 10;
    const key = local + (mode === 'pack' ? (can - fps) / prof.maxFps : after);
    if (key < bestKey) { bestKey = key; best = slot; }
  }
  return best;
}

export function placeModule(draft: Draft, module: number, variant: string, fps: number, cands: readonly number[], mode: Mode): boolean {
  const single = bestSingle(draft, module, variant, fps, cands, mode);
  if (single !== undefined) { draft.add(module, variant, single, fps); return true; }
  const p = draft.state.p;
  // Split: local slots first, then by room, largest first (fewest replicas).
  const order = cands
    .map((s) => ({ s, local: draft.nodes.has(p.slots[s]!.node) ? 0 : 1, room: draft.maxFps(module, variant, s) }))
    .filter((x) => x.room > 1e-9)
    .sort((a, b) => a.local - b.local || b.room - a.room || a.s - b.s)
    .map((x) => x.s);
  return draft.place(module, variant, fps, order, MIN_PIECE_FPS);
}

/**
 * Builds one candidate: `node` restricts every module to that node (the
 * whole-DAG case); otherwise modules go wherever they fit.
 */
export function buildDraft(
  state: ClusterState, index: SlotIndex, d: DeploymentInfo, variants: readonly string[], mode: Mode, node?: number,
): Draft | undefined {
  const p = state.p;
  const app = p.apps.get(d.app)!;
  const draft = new Draft(state, d.index);
  const onNode = (list: number[]): number[] => (node === undefined ? list : list.filter((s) => p.slots[s]!.node === node));
  const weight = (m: number): number => {
    const list = index.slots(app, m, variants[m]!);
    const best = list.reduce((a, s) => Math.max(a, profileFor(p, app.name, app.modules[m]!.name, variants[m]!, p.slots[s]!.model)!.maxFps), 0);
    return best > 0 ? 1 / best : Infinity;
  };
  const gpuMods = app.modules.filter((m) => m.gpu).map((m) => ({ m: m.index, w: weight(m.index) }))
    .sort((a, b) => b.w - a.w || a.m - b.m);
  for (const { m } of gpuMods) {
    if (!placeModule(draft, m, variants[m]!, d.fps, onNode(index.slots(app, m, variants[m]!)), mode)) return undefined;
  }
  for (const m of app.topo) {
    const mod = app.modules[m]!;
    if (mod.gpu) continue;
    const cands = onNode(index.slots(app, m, variants[m]!));
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
    if (!placeModule(draft, m, variants[m]!, d.fps, cands, mode)) return undefined;
  }
  return draft;
}

/**
 * Nodes worth trying for the whole DAG, best first: in `pack` mode by the
 * GPU share left on the tightest GPU that takes every GPU module (the "*"
 * profile when it is there and stricter), in `spread` by utilisation.
 * O(nodes · GPUs per node · GPU modules).
 */
export function wholeDagNodes(state: ClusterState, d: DeploymentInfo, variants: readonly string[], mode: Mode, limit: number): number[] {
  const p = state.p;
  const app = p.apps.get(d.app)!;
  const gpuMods = app.modules.filter((m) => m.gpu);
  const allDefault = variants.every((v) => v === 'default');
  const scored: Array<{ node: number; key: number }> = [];
  for (const n of p.nodes) {
    let key = Infinity;
    if (!gpuMods.length) {
      const free = Math.min(state.coresFree(n.index), state.cap[n.cpuSlot]! * n.cpus - state.cores[n.index]!);
      key = mode === 'pack' ? free : state.util(n.cpuSlot);
      if (free <= 0) continue;
    }
    for (const g of n.gpuSlots) {
      const model = p.slots[g]!.model;
      let share = 0;
      for (const m of gpuMods) {
        const pr = profileFor(p, app.name, m.name, variants[m.index]!, model);
        share = pr ? share + d.fps / pr.maxFps : Infinity;
      }
      const star = allDefault ? dagProfile(p, app.name, model) : undefined;
      if (star) share = Math.max(share, d.fps / star.maxFps);
      const room = Math.min(state.gpuFree(g), state.cap[g]! - state.gpuLoad[g]!);
      // Several GPUs of one node may share the DAG: rank those after single fits.
      if (share === Infinity) continue;
      const k = share <= room ? (mode === 'pack' ? room - share : state.gpuLoad[g]! + share) : 10 + state.gpuLoad[g]!;
      if (k < key) key = k;
    }
    if (key < Infinity) scored.push({ node: n.index, key });
  }
  scored.sort((a, b) => a.key - b.key || a.node - b.node);
  return scored.slice(0, limit).map((x) => x.node);
}

