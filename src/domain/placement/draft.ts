/**
 * A draft: one deployment's shares being put together before `tryPlace`,
 * with the capacity it has claimed so far, so that several modules of one
 * deployment can share a GPU or a node without overbooking it.
 * Every check is O(1) (map lookups).
 */
import type { ClusterState } from './cluster-state.js';
import type { Share } from './latency.js';
import type { Profile } from '../types.js';
import { type AppInfo, moduleVariant, type ModuleVariant } from './problem.js';

const EPS = 1e-9;

/** The fps that bring every slot of `use` to utilisation U (each within its room). */
function fpsAtLevel(use: ReadonlyArray<{ room: number; u: number; k: number }>, U: number): number {
  return use.reduce((a, c) => a + Math.min(c.room, Math.max(0, (U - c.u) / c.k)), 0);
}

export class Draft {
  readonly shares: Share[] = [];
  private readonly gpu = new Map<number, number>();
  private readonly gpuMem = new Map<number, number>();
  private readonly cores = new Map<number, number>();
  private readonly mem = new Map<number, number>();
  /** Replicas this draft adds: tag → slots. */
  private readonly replicas = new Map<string, Set<number>>();
  readonly nodes = new Set<number>();

  private readonly app: AppInfo;

  constructor(
    readonly state: ClusterState,
    readonly dep: number,
  ) {
    this.app = state.p.apps.get(state.p.deployments[dep]!.app)!;
  }

  private mv(module: number, variant: string): ModuleVariant {
    return (
      this.app.modules[module]!.byVariant.get(variant) ?? moduleVariant(this.state.p, this.app.name, module, variant)
    );
  }

  private replicaPaid(module: number, variant: string, slot: number): boolean {
    return this.tagPaid(this.mv(module, variant).tag, slot);
  }

  private tagPaid(tag: string, slot: number): boolean {
    return this.replicas.get(tag)?.has(slot) || this.state.hasReplica(tag, slot);
  }

  profile(module: number, variant: string, slot: number): Profile | undefined {
    return this.mv(module, variant).bySlot[slot];
  }

  /** Free GPU share of a slot, net of this draft. */
  gpuFree(slot: number): number {
    return this.state.gpuFree(slot) - (this.gpu.get(slot) ?? 0);
  }

  /** Utilisation of a slot with this draft's claims on it. */
  util(slot: number): number {
    const s = this.state.p.slots[slot]!;
    if (s.gpu) return this.state.gpuLoad[slot]! + (this.gpu.get(slot) ?? 0);
    const n = this.state.p.nodes[s.node]!;
    return (this.state.cores[s.node]! + (this.cores.get(s.node) ?? 0)) / n.cpus;
  }

  /** The most fps of this module variant that fit on the slot now (0 if its replica's memory does not). */
  maxFps(module: number, variant: string, slot: number): number {
    const mv = this.mv(module, variant);
    const prof = mv.bySlot[slot];
    if (!prof) return 0;
    const s = this.state.p.slots[slot]!;
    const claimed = s.gpu ? (this.gpu.get(slot) ?? 0) : 0; // (one lookup: gpuFree and util below, inlined)
    const gpuFree = this.state.gpuFree(slot) - claimed;
    if (s.gpu && gpuFree <= EPS) return 0;
    if (!this.tagPaid(mv.tag, slot)) {
      const nodeMemFree =
        this.state.p.nodes[s.node]!.memoryMB - this.state.nodeMem[s.node]! - (this.mem.get(s.node) ?? 0);
      if ((prof.memoryMB ?? 0) > nodeMemFree + EPS) return 0;
      if (s.gpu && (prof.gpuMemoryMB ?? 0) > s.memoryMB - this.state.gpuMem[slot]! - (this.gpuMem.get(slot) ?? 0) + EPS)
        return 0;
    }
    const st = this.state;
    let fps = Infinity;
    // Headroom, and the utilisation the slot's tenants tolerate (their latency).
    if (s.gpu) fps = Math.max(0, Math.min(gpuFree, st.cap[slot]! - (st.gpuLoad[slot]! + claimed))) * prof.maxFps;
    const perFpsCores = (prof.cpuCores ?? 0) / prof.maxFps;
    if (perFpsCores > 0) {
      const node = st.p.nodes[s.node]!;
      const free =
        Math.min(st.coresFree(s.node), st.cap[node.cpuSlot]! * node.cpus - st.cores[s.node]!) -
        (this.cores.get(s.node) ?? 0);
      fps = Math.min(fps, Math.max(0, free) / perFpsCores);
    }
    return fps;
  }

  /** Whether the replicas these modules would add on the slot fit its node's and GPU's memory together. */
  fitsTogether(modules: readonly number[], variants: readonly string[], slot: number): boolean {
    const s = this.state.p.slots[slot]!;
    let mem = 0;
    let gpuMem = 0;
    for (const m of modules) {
      const v = variants[m]!;
      if (this.replicaPaid(m, v, slot)) continue;
      const prof = this.profile(m, v, slot);
      if (!prof) return false;
      mem += prof.memoryMB ?? 0;
      gpuMem += prof.gpuMemoryMB ?? 0;
    }
    const st = this.state;
    if (mem > st.p.nodes[s.node]!.memoryMB - st.nodeMem[s.node]! - (this.mem.get(s.node) ?? 0) + EPS) return false;
    return !s.gpu || gpuMem <= s.memoryMB - st.gpuMem[slot]! - (this.gpuMem.get(slot) ?? 0) + EPS;
  }

  add(module: number, variant: string, slot: number, fps: number): void {
    const prof = this.profile(module, variant, slot)!;
    const s = this.state.p.slots[slot]!;
    const frac = fps / prof.maxFps;
    if (s.gpu) this.gpu.set(slot, (this.gpu.get(slot) ?? 0) + frac);
    this.cores.set(s.node, (this.cores.get(s.node) ?? 0) + (prof.cpuCores ?? 0) * frac);
    if (!this.replicaPaid(module, variant, slot)) {
      this.mem.set(s.node, (this.mem.get(s.node) ?? 0) + (prof.memoryMB ?? 0));
      if (s.gpu) this.gpuMem.set(slot, (this.gpuMem.get(slot) ?? 0) + (prof.gpuMemoryMB ?? 0));
      const tag = this.mv(module, variant).tag;
      if (!this.replicas.has(tag)) this.replicas.set(tag, new Set());
      this.replicas.get(tag)!.add(slot);
    }
    this.nodes.add(s.node);
    const same = this.shares.find((x) => x.module === module && x.variant === variant && x.slot === slot);
    if (same) same.fps += fps;
    else this.shares.push({ dep: this.dep, module, variant, slot, fps });
  }

  /** Utilisation one fps of this module variant adds on the slot. */
  private perFpsUtil(module: number, variant: string, slot: number): number {
    const prof = this.profile(module, variant, slot)!;
    const s = this.state.p.slots[slot]!;
    return s.gpu
      ? 1 / prof.maxFps
      : (prof.cpuCores ?? 0) / prof.maxFps / Math.max(1e-9, this.state.p.nodes[s.node]!.cpus);
  }

  /**
   * Splits `fps` over `order`'s first n slots (2 ≤ n ≤ `maxPieces`) by
   * water-filling: every piece brings its slot to the same utilisation, as
   * low as it can be. Takes the smallest n whose slowest piece meets
   * `budgetMs` (its loaded latency), else the smallest n that fits. Returns
   * the slowest piece's latency, or undefined if it does not fit.
   * O(maxPieces² · 40).
   */
  placeBalanced(
    module: number,
    variant: string,
    fps: number,
    order: readonly number[],
    maxPieces: number,
    budgetMs = Infinity,
  ): number | undefined {
    const cands = order
      .map((slot) => ({
        slot,
        u: this.util(slot),
        k: this.perFpsUtil(module, variant, slot),
        room: this.maxFps(module, variant, slot),
        base: this.profile(module, variant, slot)?.latencyMs ?? Infinity,
      }))
      .filter((c) => c.room > EPS && c.k > 0);
    let best: { pieces: Array<{ slot: number; fps: number }>; worst: number } | undefined;
    let first: typeof best;
    for (let n = 2; n <= Math.min(maxPieces, cands.length); n++) {
      const use = cands.slice(0, n);
      if (fpsAtLevel(use, 2) < fps - EPS) continue; // not enough room even when full
      let lo = 0;
      let hi = 2;
      for (let i = 0; i < 40; i++) {
        const mid = (lo + hi) / 2;
        if (fpsAtLevel(use, mid) >= fps) hi = mid;
        else lo = mid;
      }
      const pieces = use
        .map((c) => ({ c, fps: Math.min(c.room, Math.max(0, (hi - c.u) / c.k)) }))
        .filter((x) => x.fps > EPS);
      const worst = Math.max(...pieces.map((x) => x.c.base / Math.max(1e-9, 1 - x.c.u - x.fps * x.c.k)));
      const cand = { pieces: pieces.map((x) => ({ slot: x.c.slot, fps: x.fps })), worst };
      first ??= cand;
      if (worst <= budgetMs) {
        best = cand;
        break;
      }
    }
    // No split meets the budget: the fewest pieces that fit (spreading thin would only hold GPUs back).
    best ??= first;
    if (!best) return undefined;
    let left = fps;
    best.pieces.forEach((x, i) => {
      const f = i === best!.pieces.length - 1 ? left : Math.min(x.fps, left);
      if (f > EPS) this.add(module, variant, x.slot, f);
      left -= f;
    });
    return left <= EPS ? best.worst : undefined;
  }

  /**
   * Places `fps` of a module on the first slot of `order` that takes all of
   * it; failing that, splits it over the slots in order (pieces under
   * `minPiece` fps are not worth a replica). Returns whether it all went.
   */
  place(module: number, variant: string, fps: number, order: readonly number[], minPiece: number): boolean {
    for (const slot of order) {
      if (this.maxFps(module, variant, slot) >= fps - EPS) {
        this.add(module, variant, slot, fps);
        return true;
      }
    }
    // Split: claim as we go; a draft that fails here is thrown away whole.
    let left = fps;
    for (const slot of order) {
      const can = Math.min(left, this.maxFps(module, variant, slot));
      if (can <= EPS || (can < minPiece && can < left - EPS)) continue;
      this.add(module, variant, slot, left - can <= EPS ? left : can);
      left -= can;
      if (left <= EPS) return true;
    }
    return false;
  }
}
