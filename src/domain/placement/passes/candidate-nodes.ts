/**
 * Which nodes one deployment's tries look at: for the whole DAG, the best
 * few by fit (pack), by loaded latency (spread) and by latency fit (slack);
 * for a split on a large cluster, the whole-DAG nodes plus the roomiest and
 * the fastest for its heaviest module. O(N · G · GPU modules) per ranking.
 */
import type { ClusterState } from '../cluster-state.js';
import { type DeploymentInfo, dagProfiles, moduleVariant } from '../problem.js';
import { bestFps } from './drafts.js';

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
 * there. One pass:
 * O(nodes · GPUs per node · GPU modules).
 */
export function wholeDagNodes(
  state: ClusterState,
  d: DeploymentInfo,
  variants: readonly string[],
  limits: WholeDagLimits,
): { pack: number[]; spread: number[]; slack: number[] } {
  const p = state.p;
  const app = p.apps.get(d.app)!;
  const gpuMods = app.modules
    .filter((m) => m.gpu)
    .map((m) => moduleVariant(p, app.name, m.index, variants[m.index]!).bySlot);
  const stars = variants.every((v) => v === 'default') ? dagProfiles(p, app) : undefined;
  const pack = new TopK(limits.pack);
  const spread = new TopK(limits.spread);
  const slack = new TopK(limits.slack);
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
    if (packKey < Infinity) {
      pack.offer(n.index, packKey);
      spread.offer(n.index, spreadKey);
    }
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
export function splitNodes(
  state: ClusterState,
  d: DeploymentInfo,
  whole: readonly number[],
  limit: number,
): number[] | undefined {
  const p = state.p;
  if (p.nodes.length <= limit) return undefined;
  const app = p.apps.get(d.app)!;
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
