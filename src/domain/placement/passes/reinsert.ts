/**
 * The search's re-inserts (search.ts): the greedy pass's tries
 * (place-deployment.ts, lightest variants first) for the deployments one
 * step lifted or left rejected, with a memory of failures across steps.
 * A deployment whose tries failed is not tried again until the room of
 * some node it could use grew: per node a version (ClusterState.nodeVersion)
 * says whether it changed at all, and a changed node counts only if some
 * GPU, its cores or memory has more free, or a latency cap rose
 * (`RoomMemo`). The tries fill the cluster in a fixed way, so with no more
 * room anywhere they would fail again (a heuristic: the candidate nodes
 * could differ; the search accepts what it finds, it proves nothing).
 * Most of a step's time was those repeated failures (every variant level
 * × up to 10 drafts for every rejected deployment, every step).
 * Cost: O(D · nodes) per pass for the checks, plus the tries that run.
 */
import type { ClusterState, Failure } from '../cluster-state.js';
import type { DeploymentInfo } from '../problem.js';
import { capacityReason, rejectionReason, structuralReason } from '../reasons.js';
import { SlotIndex } from './drafts.js';
import { placeDeployment } from './place-deployment.js';
import { variantLevels } from './variant-levels.js';

const EPS = 1e-9;

type Failures = Map<string, Array<{ fps: number; latencyMs: number; f: Failure | undefined }>>;

/** Counters for profiling (bench/placement/search-profile.ts). */
export interface ReinsertStats {
  /** Deployments whose tries ran. */
  tried: number;
  /** ... and failed. */
  failed: number;
  /** Deployments skipped: no more room than when they last failed. */
  skipped: number;
  /** Deployments not tried: the step could no longer be kept (`Hope`). */
  pruned: number;
}

/**
 * Whether a step can still be kept (search.ts): the re-inserts go highest
 * priority first and never lift what is placed, so once the admitted fps at
 * the levels above `d`'s fall short of the plan the step started from, or
 * `d`'s level cannot reach it even if every deployment left at that level
 * got in, the step will be undone: the rest of its tries are wasted.
 */
export class Hope {
  private readonly levels: number[];
  private readonly now: number[];
  private readonly rest: number[];

  /** `before`: the score to match (admissionScore); `order`: the re-inserts, none placed yet. */
  constructor(
    state: ClusterState,
    private readonly before: readonly number[],
    order: readonly DeploymentInfo[],
  ) {
    const p = state.p;
    this.levels = [...new Set(p.deployments.map((d) => d.priority))].sort((a, b) => b - a);
    this.now = this.levels.map(() => 0);
    this.rest = this.levels.map(() => 0);
    for (const d of p.deployments) if (state.isPlaced(d.index)) this.now[this.level(d)]! += d.fps;
    for (const d of order) this.rest[this.level(d)]! += d.fps;
  }

  private level(d: DeploymentInfo): number {
    return this.levels.indexOf(d.priority);
  }

  /** True when no outcome of the re-inserts from `d` on can match `before`. */
  lost(d: DeploymentInfo): boolean {
    const at = this.level(d);
    for (let i = 0; i < at; i++) {
      const diff = this.now[i]! - (this.before[i] ?? 0);
      if (diff > EPS) return false;
      if (diff < -EPS) return true;
    }
    return this.now[at]! + this.rest[at]! < (this.before[at] ?? 0) - EPS;
  }

  /** `d` was tried (or skipped): `placed` says whether it got in. */
  settle(d: DeploymentInfo, placed: boolean): void {
    const at = this.level(d);
    this.rest[at]! -= d.fps;
    if (placed) this.now[at]! += d.fps;
  }
}

/** The room of a node: per GPU free share, cap, free memory; the node's free cores, CPU cap, free memory. */
function nodeRoom(state: ClusterState, node: number): number[] {
  const p = state.p;
  const n = p.nodes[node]!;
  const out = [state.coresFree(node), n.memoryMB - state.nodeMem[node]!];
  for (const g of n.gpuSlots) {
    out.push(
      Math.max(0, Math.min(state.gpuFree(g), state.cap[g]! - state.util(g))),
      p.slots[g]!.memoryMB - state.gpuMem[g]!,
    );
  }
  return out;
}

interface Seen {
  /** nodeVersion of each node when the room was read. */
  version: Int32Array;
  room: number[][];
  f: Failure | undefined;
  detours: boolean;
}

/** Failures remembered with the room of every node when they happened. */
export class RoomMemo {
  private readonly seen = new Map<number, Seen>();

  constructor(private readonly state: ClusterState) {}

  /**
   * The failure `d` had, or one of a deployment of its app with no more fps
   * and no tighter target had (it needs no less), if no node has more room
   * now than then (and the tries would be no wider).
   */
  stillFails(d: DeploymentInfo, detours: boolean): { f: Failure | undefined } | undefined {
    const own = this.seen.get(d.index);
    if (own && this.covers(own, detours)) return { f: own.f };
    for (const [dep, s] of this.seen) {
      const e = this.state.p.deployments[dep]!;
      if (dep === d.index || e.app !== d.app || e.fps > d.fps || e.latencyMs < d.latencyMs) continue;
      if (this.covers(s, detours)) return { f: s.f };
    }
    return undefined;
  }

  private covers(s: Seen, detours: boolean): boolean {
    if (detours && !s.detours) return false;
    const st = this.state;
    for (let n = 0; n < s.version.length; n++) {
      if (st.nodeVersion[n] === s.version[n]) continue;
      const now = nodeRoom(st, n);
      const then = s.room[n]!;
      for (let i = 0; i < now.length; i++) if (now[i]! > then[i]! + EPS) return false;
    }
    return true;
  }

  failed(d: DeploymentInfo, f: Failure | undefined, detours: boolean): void {
    const st = this.state;
    const room = st.p.nodes.map((n) => nodeRoom(st, n.index));
    this.seen.set(d.index, { version: Int32Array.from(st.nodeVersion), room, f, detours });
  }

  placed(d: DeploymentInfo): void {
    this.seen.delete(d.index);
  }
}

/** Re-inserts for one search: the slot index and variant levels (lightest first) built once. */
export class Reinserter {
  private readonly index: SlotIndex;
  private readonly levels = new Map<string, string[][]>();
  readonly memo: RoomMemo;
  readonly stats: ReinsertStats = { tried: 0, failed: 0, skipped: 0, pruned: 0 };

  constructor(
    private readonly state: ClusterState,
    private readonly useMemo = true,
  ) {
    this.index = new SlotIndex(state.p);
    this.memo = new RoomMemo(state);
  }

  private levelsOf(app: string): string[][] {
    let l = this.levels.get(app);
    if (!l) {
      l = [...variantLevels(this.state.p, app)].reverse();
      this.levels.set(app, l);
    }
    return l;
  }

  /**
   * greedy.ts's pass over `order` (lightest variants first), `detours` for
   * the deployments it names, skipping the ones `memo` says still fail;
   * stops as soon as `hope` says the outcome cannot be kept.
   */
  run(
    reasons: Map<number, string>,
    order: readonly DeploymentInfo[],
    detours: (d: DeploymentInfo) => boolean,
    hope?: Hope,
  ): void {
    const failures: Failures = new Map();
    for (const [i, d] of order.entries()) {
      if (hope?.lost(d)) {
        this.stats.pruned += order.length - i;
        return;
      }
      this.one(reasons, d, detours(d), failures);
      hope?.settle(d, this.state.isPlaced(d.index));
    }
  }

  /** One deployment's re-insert (greedy.ts's checks, then the memory, then the tries). */
  private one(reasons: Map<number, string>, d: DeploymentInfo, wide: boolean, failures: Failures): void {
    const state = this.state;
    const p = state.p;
    if (state.isPlaced(d.index)) return;
    const structural = p.apps.has(d.app) ? structuralReason(p, d) : `app ${d.app} is not registered`;
    const early = structural ?? capacityReason(state, d) ?? capacityReason(state, d, true);
    if (early) {
      reasons.set(d.index, early);
      return;
    }
    const fail = (f: Failure | undefined): void => {
      reasons.set(d.index, rejectionReason(state, d, f));
      if (!failures.has(d.app)) failures.set(d.app, []);
      failures.get(d.app)!.push({ fps: d.fps, latencyMs: d.latencyMs, f });
    };
    // Dominance within the pass, as in greedy.ts: the cluster only fills up during it.
    const before = failures.get(d.app)?.find((x) => x.fps <= d.fps && x.latencyMs >= d.latencyMs);
    if (before) {
      reasons.set(d.index, rejectionReason(state, d, before.f));
      return;
    }
    const known = this.useMemo ? this.memo.stillFails(d, wide) : undefined;
    if (known) {
      this.stats.skipped++;
      fail(known.f);
      return;
    }
    this.stats.tried++;
    const f = placeDeployment(state, this.index, d, this.levelsOf(d.app), { detours: wide });
    if (f === undefined) {
      reasons.delete(d.index);
      this.memo.placed(d);
      return;
    }
    this.stats.failed++;
    this.memo.failed(d, f, wide);
    fail(f);
  }
}
