/**
 * What the node rankings (candidate-nodes.ts) read per node, kept per
 * ClusterState and recomputed only for the nodes whose loads or caps
 * changed since (ClusterState.nodeVersion): the GPU share free within the
 * latency caps, in sum and on the roomiest GPU, and per app the loaded
 * latency of its heaviest module on the node's fastest GPU with room. A placement touches a few
 * nodes, so ranking all N nodes for the next deployment costs O(N) reads
 * plus O(GPUs of the touched nodes), not O(N · G) arithmetic.
 */
import type { ClusterState } from '../cluster-state.js';
import type { DagTable } from './dag-table.js';

interface PerNode {
  value: Float64Array;
  /** nodeVersion when `value` was computed; −1: never. */
  at: Int32Array;
}

const perNode = (n: number): PerNode => ({ value: new Float64Array(n), at: new Int32Array(n).fill(-1) });

/** One value per node, recomputed by `compute` only for nodes whose nodeVersion moved. */
export class PerNodeValues {
  private readonly value: Float64Array;
  private readonly at: Int32Array;
  constructor(
    private readonly state: ClusterState,
    private readonly compute: (node: number) => number,
  ) {
    this.value = new Float64Array(state.p.nodes.length);
    this.at = new Int32Array(state.p.nodes.length).fill(-1);
  }

  on(node: number): number {
    const v = this.state.nodeVersion[node]!;
    if (this.at[node] !== v) {
      this.value[node] = this.compute(node);
      this.at[node] = v;
    }
    return this.value[node]!;
  }
}

export class NodeRoom {
  private static readonly byState = new WeakMap<ClusterState, NodeRoom>();
  private readonly free: PerNode;
  private readonly most: Float64Array;
  private readonly byLatency = new Map<Float64Array, PerNodeValues>();
  private readonly byTable = new Map<DagTable, PerNodeValues>();

  private constructor(private readonly state: ClusterState) {
    this.free = perNode(state.p.nodes.length);
    this.most = new Float64Array(state.p.nodes.length);
  }

  static of(state: ClusterState): NodeRoom {
    let r = NodeRoom.byState.get(state);
    if (!r) {
      r = new NodeRoom(state);
      NodeRoom.byState.set(state, r);
    }
    return r;
  }

  /** GPU share free on the node within headroom and latency caps (a GPU-less node: its free cores' share). */
  freeOn(node: number): number {
    this.refresh(node);
    return this.free.value[node]!;
  }

  /** The most GPU share one of the node's GPUs has free within headroom and caps (may be < 0; −Infinity: no GPU). */
  mostOn(node: number): number {
    this.refresh(node);
    return this.most[node]!;
  }

  private refresh(node: number): void {
    const st = this.state;
    const v = st.nodeVersion[node]!;
    if (this.free.at[node] === v) return;
    const n = st.p.nodes[node]!;
    let free = n.gpuSlots.length ? 0 : Math.max(0, st.coresFree(node)) / Math.max(1, n.cpus);
    let most = -Infinity;
    for (const g of n.gpuSlots) {
      const room = Math.min(st.gpuFree(g), st.cap[g]! - st.gpuLoad[g]!);
      free += Math.max(0, room);
      if (room > most) most = room;
    }
    this.free.value[node] = free;
    this.most[node] = most;
    this.free.at[node] = v;
  }

  /**
   * Per node, the least loaded latency over its GPUs with room of a module
   * whose latencyMs per slot is `latency` (−1: no profile); Infinity if none.
   */
  quickest(latency: Float64Array): PerNodeValues {
    let c = this.byLatency.get(latency);
    if (!c) {
      const st = this.state;
      c = new PerNodeValues(st, (node) => {
        let quickest = Infinity;
        for (const g of st.p.nodes[node]!.gpuSlots) {
          const lat = latency[g]!;
          if (lat >= 0 && this.room(g) > 0) quickest = Math.min(quickest, lat / Math.max(1e-9, 1 - st.gpuLoad[g]!));
        }
        return quickest;
      });
      this.byLatency.set(latency, c);
    }
    return c;
  }

  /** Per node of a whole-DAG table (by its index there), the least load of its GPUs in the table. */
  leastLoad(t: DagTable): PerNodeValues {
    let c = this.byTable.get(t);
    if (!c) {
      const st = this.state;
      const index = new Map(Array.from(t.nodes, (node, i) => [node, i]));
      c = new PerNodeValues(st, (node) => {
        const i = index.get(node)!;
        let least = Infinity;
        for (let j = t.start[i]!; j < t.start[i + 1]!; j++) least = Math.min(least, st.gpuLoad[t.slot[j]!]!);
        return least;
      });
      this.byTable.set(t, c);
    }
    return c;
  }

  private room(g: number): number {
    const st = this.state;
    return Math.max(0, Math.min(st.gpuFree(g), st.cap[g]! - st.gpuLoad[g]!));
  }
}
