/**
 * The capacity model of docs/design.md "Placement", as mutable state a strategy
 * fills in: f/F per GPU, cpuCores·f/F per node, memory per distinct replica
 * (one per app/module/variant per slot). `tryPlace` applies a deployment's
 * shares, checks capacity and the latency of every deployment on a touched
 * node, and rolls back on failure. Cost per try: O(shares + deployments on
 * the touched nodes · their DAG size).
 */
import { estimateLatency, type Share } from './latency.js';
import { moduleVariant, type Problem } from './problem.js';
import type { Profile } from '../types.js';

const EPS = 1e-9;

export type Failure =
  | { kind: 'profile'; module: number; model: string }
  | { kind: 'gpu'; slot: number }
  | { kind: 'cores'; node: number }
  | { kind: 'memory'; node: number }
  | { kind: 'gpuMemory'; slot: number }
  | { kind: 'latency'; ms: number }
  | { kind: 'others'; dep: number }
  /** no candidate could even be drafted: no accelerator with a profile has room */
  | { kind: 'room' };

export class ClusterState {
  readonly gpuLoad: Float64Array;
  readonly gpuMem: Float64Array;
  readonly cores: Float64Array;
  readonly nodeMem: Float64Array;
  /** Shares per deployment (empty: not placed). */
  readonly shares: Share[][];
  /** Per node: deployment → number of its shares on the node. */
  private readonly nodeDeps: Map<number, number>[];
  /** Per slot: replica tag (app/module/variant) → shares using it. */
  private readonly replicas: Map<string, number>[];
  /**
   * Per slot, the utilisation its current tenants tolerate: past it, some
   * deployment on it would miss its latency target (conservative: each
   * tenant's whole slack is charged to this one slot; a share faster than
   * its module's slowest may also rise to the slowest's latency, which sets
   * the estimate, hops aside). A filter for candidates; `tryPlace` stays the judge.
   */
  readonly cap: Float64Array;
  /**
   * Bumped on every change of loads, memory or caps (a rolled-back try
   * included): what was derived from the state at one version still holds.
   */
  version = 0;
  /** Per node, bumped on every change of its loads, memory or caps (same use, per node). */
  readonly nodeVersion: Int32Array;

  /** `trackCaps: false` for baselines, which keep their own (or no) latency rules. */
  constructor(
    readonly p: Problem,
    private readonly trackCaps = true,
  ) {
    this.gpuLoad = new Float64Array(p.slots.length);
    this.gpuMem = new Float64Array(p.slots.length);
    this.cores = new Float64Array(p.nodes.length);
    this.nodeMem = new Float64Array(p.nodes.length);
    this.shares = p.deployments.map(() => []);
    this.nodeDeps = p.nodes.map(() => new Map());
    this.replicas = p.slots.map(() => new Map());
    this.cap = new Float64Array(p.slots.length).fill(1);
    this.nodeVersion = new Int32Array(p.nodes.length);
  }

  /** Recomputes `cap` on the slots of these nodes. O(tenants · their shares). */
  private refreshCaps(nodes: Iterable<number>): void {
    if (!this.trackCaps) return;
    this.version++;
    for (const ni of nodes) {
      this.nodeVersion[ni]!++;
      const n = this.p.nodes[ni]!;
      this.cap[n.cpuSlot] = 1;
      for (const g of n.gpuSlots) this.cap[g] = 1;
      for (const dep of this.nodeDeps[ni]!.keys()) {
        const slack = this.p.deployments[dep]!.latencyMs - this.latencyOf(dep);
        // The slowest share of each module sets its latency: a faster share may rise to it for free.
        const slowest = new Map<number, number>();
        for (const s of this.shares[dep]!) {
          const ms = this.profile(dep, s)!.latencyMs / Math.max(1e-9, 1 - this.util(s.slot));
          if (ms > (slowest.get(s.module) ?? 0)) slowest.set(s.module, ms);
        }
        for (const s of this.shares[dep]!) {
          if (this.p.slots[s.slot]!.node !== ni) continue;
          const base = this.profile(dep, s)!.latencyMs;
          const u = this.util(s.slot);
          const own = base / (1 - u);
          const allowed = Math.max(own, slowest.get(s.module)!) + Math.max(0, slack);
          const uMax = 1 - base / allowed;
          if (uMax < this.cap[s.slot]!) this.cap[s.slot] = uMax;
        }
      }
    }
  }

  private nodesOf(shares: readonly Share[]): Set<number> {
    return new Set(shares.map((s) => this.p.slots[s.slot]!.node));
  }

  /** Utilisation of a slot: GPU load, or the node's core use over its cores. */
  util(slot: number): number {
    const s = this.p.slots[slot]!;
    if (s.gpu) return this.gpuLoad[slot]!;
    const n = this.p.nodes[s.node]!;
    return n.cpus > 0 ? this.cores[s.node]! / n.cpus : Infinity;
  }

  /** Free GPU share under the headroom cap. */
  gpuFree(slot: number): number {
    return 1 - this.p.headroom - this.gpuLoad[slot]!;
  }

  coresFree(node: number): number {
    return this.p.nodes[node]!.cpus * (1 - this.p.headroom) - this.cores[node]!;
  }

  profile(dep: number, s: Pick<Share, 'module' | 'variant' | 'slot'>): Profile | undefined {
    return moduleVariant(this.p, this.p.deployments[dep]!.app, s.module, s.variant).bySlot[s.slot];
  }

  latencyOf(dep: number): number {
    const d = this.p.deployments[dep]!;
    return estimateLatency(this.p, this.p.apps.get(d.app)!, this.shares[dep]!, (s) => this.util(s));
  }

  isPlaced(dep: number): boolean {
    return this.shares[dep]!.length > 0;
  }

  /** Deployments with a share on a node. */
  depsOn(node: number): Iterable<number> {
    return this.nodeDeps[node]!.keys();
  }

  private apply(dep: number, shares: readonly Share[], sign: 1 | -1): void {
    const app = this.p.deployments[dep]!.app;
    this.version++;
    for (const s of shares) {
      const slot = this.p.slots[s.slot]!;
      this.nodeVersion[slot.node]!++;
      const mv = moduleVariant(this.p, app, s.module, s.variant);
      const prof = mv.bySlot[s.slot]!;
      const frac = s.fps / prof.maxFps;
      if (slot.gpu) this.gpuLoad[s.slot]! += sign * frac;
      this.cores[slot.node]! += sign * (prof.cpuCores ?? 0) * frac;
      const reps = this.replicas[s.slot]!;
      const refs = (reps.get(mv.tag) ?? 0) + sign;
      if (refs === 0 || (refs === 1 && sign === 1)) {
        this.nodeMem[slot.node]! += sign * (prof.memoryMB ?? 0);
        if (slot.gpu) this.gpuMem[s.slot]! += sign * (prof.gpuMemoryMB ?? 0);
      }
      if (refs === 0) reps.delete(mv.tag);
      else reps.set(mv.tag, refs);
      const nd = this.nodeDeps[slot.node]!;
      const c = (nd.get(dep) ?? 0) + sign;
      if (c === 0) nd.delete(dep);
      else nd.set(dep, c);
    }
  }

  /** Whether a replica of this module variant already runs on the slot (its memory is paid). */
  hasReplica(tag: string, slot: number): boolean {
    return this.replicas[slot]!.has(tag);
  }

  private capacityFailure(shares: readonly Share[]): Failure | undefined {
    const h = this.p.headroom;
    for (const s of shares) {
      const slot = this.p.slots[s.slot]!;
      const node = this.p.nodes[slot.node]!;
      if (slot.gpu && this.gpuLoad[s.slot]! > 1 - h + EPS) return { kind: 'gpu', slot: s.slot };
      if (slot.gpu && this.gpuMem[s.slot]! > slot.memoryMB + EPS) return { kind: 'gpuMemory', slot: s.slot };
      if (this.cores[slot.node]! > node.cpus * (1 - h) + EPS) return { kind: 'cores', node: slot.node };
      if (this.nodeMem[slot.node]! > node.memoryMB + EPS) return { kind: 'memory', node: slot.node };
    }
    return undefined;
  }

  /**
   * Places `shares` for `dep` (which must not be placed yet) if capacity and
   * every latency target on the touched nodes still hold; else changes
   * nothing and says what failed.
   */
  tryPlace(dep: number, shares: readonly Share[]): Failure | undefined {
    for (const s of shares) {
      if (!this.profile(dep, s)) return { kind: 'profile', module: s.module, model: this.p.slots[s.slot]!.model };
    }
    this.apply(dep, shares, 1);
    this.shares[dep] = [...shares];
    const fail = this.capacityFailure(shares) ?? this.latencyFailure(dep, shares);
    if (fail) this.remove(dep);
    else this.refreshCaps(this.nodesOf(shares));
    return fail;
  }

  private latencyFailure(dep: number, shares: readonly Share[]): Failure | undefined {
    const own = this.latencyOf(dep);
    if (own > this.p.deployments[dep]!.latencyMs + EPS) return { kind: 'latency', ms: own };
    const seen = new Set<number>([dep]);
    for (const s of shares) {
      for (const other of this.depsOn(this.p.slots[s.slot]!.node)) {
        if (seen.has(other)) continue;
        seen.add(other);
        if (this.latencyOf(other) > this.p.deployments[other]!.latencyMs + EPS) return { kind: 'others', dep: other };
      }
    }
    return undefined;
  }

  /**
   * Adds shares with no checks at all: for baselines that keep their own
   * capacity rules; `dropLatencyViolators` and the validator judge the result.
   */
  addShares(dep: number, shares: readonly Share[]): void {
    this.apply(dep, shares, 1);
    this.shares[dep]!.push(...shares);
    this.refreshCaps(this.nodesOf(shares));
  }

  /** Removes a deployment's shares (no checks needed: less load never breaks a rule). */
  remove(dep: number): Share[] {
    const old = this.shares[dep]!;
    this.apply(dep, old, -1);
    this.shares[dep] = [];
    this.refreshCaps(this.nodesOf(old));
    return old;
  }
}
