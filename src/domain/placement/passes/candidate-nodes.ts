/**
 * Which nodes one deployment's tries look at: for the whole DAG, the best
 * few by fit (pack), by loaded latency (spread) and by latency fit (slack);
 * for a split on a large cluster, the whole-DAG nodes plus the roomiest and
 * the fastest for its heaviest module. O(N · G · GPU modules) per ranking.
 */
import type { ClusterState } from '../cluster-state.js';
import { type AppInfo, type DeploymentInfo, moduleVariant, type Problem } from '../problem.js';
import { type DagTable, dagTable } from './dag-table.js';
import { bestFps } from './drafts.js';
import { NodeRoom } from './node-room.js';

/** Keeps the `limit` smallest keys (ties: lower node first, whatever the order of the offers). O(limit) per offer. */
class TopK {
  readonly items: Array<{ node: number; key: number }> = [];
  constructor(readonly limit: number) {}
  offer(node: number, key: number): void {
    if (this.limit <= 0) return;
    const it = this.items;
    if (it.length === this.limit && !TopK.after(it[it.length - 1]!, node, key)) return;
    let i = it.length;
    while (i > 0 && TopK.after(it[i - 1]!, node, key)) i--;
    it.splice(i, 0, { node, key });
    if (it.length > this.limit) it.pop();
  }
  private static after(x: { node: number; key: number }, node: number, key: number): boolean {
    return x.key > key || (x.key === key && x.node > node);
  }
  /** Whether it holds `limit` keys below `bound`. */
  fullBelow(bound: number): boolean {
    return this.items.length === this.limit && this.items.every((x) => x.key < bound);
  }
  nodes(): number[] {
    return this.items.map((x) => x.node);
  }
}

/** Keys of a node where no GPU takes the whole DAG: after every node where one does. */
const NO_FIT = 10;
const NO_FIT_LATENCY = 1e6;

/** How many nodes each whole-DAG ranking returns (`slack`: by latency fit, see wholeDagNodes). */
export interface WholeDagLimits {
  pack: number;
  spread: number;
  slack: number;
}

/**
 * Nodes worth trying for the whole DAG, best first: `pack` by the GPU share
 * left on the tightest GPU that takes every GPU module (the "*" profile when
 * it is there and stricter), `spread` by the GPU modules' loaded latency
 * there. One pass over the GPUs that run every GPU module (dag-table.ts):
 * O(nodes · GPUs per node · GPU modules), typed arrays only.
 */
export function wholeDagNodes(
  state: ClusterState,
  d: DeploymentInfo,
  variants: readonly string[],
  limits: WholeDagLimits,
): { pack: number[]; spread: number[]; slack: number[] } {
  const p = state.p;
  const t = dagTable(p, p.apps.get(d.app)!, variants);
  const pack = new TopK(limits.pack);
  const spread = new TopK(limits.spread);
  const slack = new TopK(limits.slack);
  if (!t.mods) {
    for (const n of p.nodes) {
      const free = Math.min(state.coresFree(n.index), state.cap[n.cpuSlot]! * n.cpus - state.cores[n.index]!);
      if (free <= 0) continue;
      pack.offer(n.index, free);
      spread.offer(n.index, state.util(n.cpuSlot));
    }
    return { pack: pack.nodes(), spread: spread.nodes(), slack: slack.nodes() };
  }
  // Nodes whose roomiest GPU is below the least share the DAG needs anywhere have no GPU it fits
  // (node-room.ts keeps that per node): they only rank by the keys for "does not fit", so they
  // are looked at only when fewer nodes than wanted fit.
  const room = NodeRoom.of(state);
  const bound = d.fps * t.minSharePerFps * (1 - 1e-9);
  const ranks = { pack, spread, slack };
  const later: number[] = [];
  for (let i = 0; i < t.nodes.length; i++) {
    if (room.mostOn(t.nodes[i]!) < bound) later.push(i);
    else rank(state, d, t, i, ranks);
  }
  // (Below half the "does not fit" keys: a key of a GPU that fits; every later key is above.)
  if (!pack.fullBelow(NO_FIT / 2) || !spread.fullBelow(NO_FIT_LATENCY / 2)) {
    // What `rank` gives a node where nothing fits: the keys of its least loaded GPU, kept per node.
    const least = room.leastLoad(t);
    for (const i of later) {
      const node = t.nodes[i]!;
      const load = least.on(node);
      pack.offer(node, NO_FIT + load);
      spread.offer(node, NO_FIT_LATENCY + load);
    }
  }
  return { pack: pack.nodes(), spread: spread.nodes(), slack: slack.nodes() };
}

/** Offers node t.nodes[i] to the three whole-DAG rankings. O(its GPUs · GPU modules). */
function rank(
  state: ClusterState,
  d: DeploymentInfo,
  t: DagTable,
  i: number,
  { pack, spread, slack }: { pack: TopK; spread: TopK; slack: TopK },
): void {
  const { mods, fps } = t;
  let packKey = Infinity;
  let spreadKey = Infinity;
  let slackKey = Infinity;
  for (let j = t.start[i]!; j < t.start[i + 1]!; j++) {
    let share = 0;
    for (let k = j * mods; k < (j + 1) * mods; k++) share += d.fps / fps[k]!;
    if (t.star[j]! > 0) share = Math.max(share, d.fps / t.star[j]!);
    const g = t.slot[j]!;
    const load = state.gpuLoad[g]!;
    const room = Math.min(state.gpuFree(g), state.cap[g]! - load);
    // Several GPUs of one node may share the DAG: rank those after single fits.
    const fits = share <= room;
    packKey = Math.min(packKey, fits ? room - share : NO_FIT + load);
    // Latency ranking: the GPU modules' loaded latency there.
    const loaded = t.lat[j]! / Math.max(1e-9, 1 - load - share);
    spreadKey = Math.min(spreadKey, fits ? loaded : NO_FIT_LATENCY + load);
    // Latency fit: the GPU that uses the most of the target (leaves fast GPUs to tight deployments).
    if (fits && loaded <= d.latencyMs * 0.9) slackKey = Math.min(slackKey, d.latencyMs - loaded);
  }
  const node = t.nodes[i]!;
  pack.offer(node, packKey);
  spread.offer(node, spreadKey);
  if (slackKey < Infinity) slack.offer(node, slackKey);
}

/**
 * Nodes a split may use on a large cluster: the whole-DAG candidates, the
 * nodes with the most free GPU share (within latency caps), and the nodes
 * where the deployment's heaviest GPU module runs fastest under their load
 * now (for latency-tight deployments). All nodes when the cluster is small.
 * O(N) reads of per-node values, recomputed (O(G) each) only on nodes changed since (node-room.ts).
 */
export function splitNodes(
  state: ClusterState,
  d: DeploymentInfo,
  whole: readonly number[],
  limit: number,
): number[] | undefined {
  const p = state.p;
  if (p.nodes.length <= limit) return undefined;
  const heaviest = heaviestLatency(p, p.apps.get(d.app)!);
  const room = NodeRoom.of(state);
  const roomy = new TopK(limit);
  const fast = new TopK(limit);
  const quick = heaviest && room.quickest(heaviest);
  for (let n = 0; n < p.nodes.length; n++) {
    const free = room.freeOn(n);
    if (free > 0) roomy.offer(n, -free);
    const quickest = quick ? quick.on(n) : Infinity;
    if (quickest < Infinity) fast.offer(n, quickest);
  }
  // Plain loops, not `[...new Set([...whole, ...])]`: the spread of `whole` deoptimised this function on every call.
  const out: number[] = [];
  for (const list of [whole, roomy.nodes(), fast.nodes()]) {
    for (let i = 0; i < list.length; i++) if (!out.includes(list[i]!)) out.push(list[i]!);
  }
  return out;
}

const heaviestCache = new WeakMap<AppInfo, Float64Array | null>();

/**
 * The latencyMs of the app's heaviest GPU module (the least fps on its best
 * GPU; default variant) per slot, −1 where it has no profile; null when the
 * app has no GPU module. Once per problem and app.
 */
function heaviestLatency(p: Problem, app: AppInfo): Float64Array | null {
  let out = heaviestCache.get(app);
  if (out !== undefined) return out;
  let heaviest: Array<{ latencyMs: number } | undefined> | undefined;
  let worst = 0;
  for (const m of app.modules) {
    if (!m.gpu) continue;
    const mv = moduleVariant(p, app.name, m.index, 'default');
    const w = bestFps(mv);
    if (w > 0 && 1 / w > worst) {
      worst = 1 / w;
      heaviest = mv.bySlot;
    }
  }
  out = heaviest ? Float64Array.from(heaviest, (pr) => pr?.latencyMs ?? -1) : null;
  heaviestCache.set(app, out);
  return out;
}
