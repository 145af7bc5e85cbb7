/**
 * The search's ruin moves (search.ts): which deployments one step lifts
 * out, for a rejected deployment `r`, on `count` (1–2) nodes:
 * - `room`: every tenant of the nodes with the most GPU room `r` can run on;
 * - `random`: every tenant of random nodes;
 * - `inTheWay`: the tenants of a lower priority than `r` on the nodes where
 *   they hold the most GPU that `r` could use (room for `r` first, the rest
 *   re-inserted after it); for `r` at the lowest priority placed, `room`;
 * - `slack`: every tenant of the nodes whose free GPU share is most
 *   stranded (free, but past the utilisation their tenants' latency
 *   targets tolerate: room nothing can use until they move).
 * One draw picks the move by `weights` (in that order); a seeded tie-break
 * (`pick`) orders equal nodes. O(N · G · tenants).
 */
import type { ClusterState } from '../cluster-state.js';
import type { DeploymentInfo } from '../problem.js';

export interface MoveWeights {
  room: number;
  random: number;
  inTheWay: number;
  slack: number;
}

/** Nodes by `key` (higher first, seeded noise of `noise` added), the first `count` with a positive key. */
function top(state: ClusterState, key: (node: number) => number, pick: () => number, count: number, noise: number) {
  const scored = state.p.nodes
    .map((n) => ({ n: n.index, k: key(n.index) }))
    .filter((x) => x.k > 0)
    .map((x) => ({ n: x.n, k: x.k + pick() * noise }));
  scored.sort((a, b) => b.k - a.k || a.n - b.n);
  return scored.slice(0, count).map((x) => x.n);
}

/** Whether some GPU module of `r`'s app has a default profile on GPU slot `g`. */
function runsOn(state: ClusterState, r: DeploymentInfo, g: number): boolean {
  const app = state.p.apps.get(r.app)!;
  return app.modules.some((m) => m.gpu && state.profile(r.index, { module: m.index, variant: 'default', slot: g }));
}

/** Nodes a rejected deployment's tries would use: the ones with the most room it can run on. */
export function nodesFor(state: ClusterState, r: DeploymentInfo, pick: () => number, count: number): number[] {
  const p = state.p;
  const room = (n: number): number => {
    let sum = 0;
    for (const g of p.nodes[n]!.gpuSlots) if (runsOn(state, r, g)) sum += Math.max(0, state.gpuFree(g));
    return sum;
  };
  // The noise is drawn for every node with room, in node order (the draws the search's seed sequence expects).
  const scored = p.nodes.map((n) => ({ n: n.index, key: room(n.index) + pick() * 0.3 })).filter((x) => x.key > 0);
  scored.sort((a, b) => b.key - a.key || a.n - b.n);
  return scored.slice(0, count).map((x) => x.n);
}

/** GPU share held on node `n` by tenants of a lower priority than `r`, on GPUs `r` could use. */
function heldBelow(state: ClusterState, r: DeploymentInfo, n: number): number {
  const p = state.p;
  const node = p.nodes[n]!;
  let held = 0;
  for (const dep of state.depsOn(n)) {
    if (p.deployments[dep]!.priority >= r.priority) continue;
    for (const s of state.shares[dep]!) {
      if (p.slots[s.slot]!.node !== n || !node.gpuSlots.includes(s.slot) || !runsOn(state, r, s.slot)) continue;
      held += s.fps / state.profile(dep, s)!.maxFps;
    }
  }
  return held;
}

/** Free GPU share on node `n` past what its tenants' latency caps tolerate. */
function stranded(state: ClusterState, n: number): number {
  let sum = 0;
  for (const g of state.p.nodes[n]!.gpuSlots) {
    const free = Math.max(0, state.gpuFree(g));
    const usable = Math.max(0, Math.min(free, state.cap[g]! - state.util(g)));
    sum += free - usable;
  }
  return sum;
}

/** The deployments one step lifts (see the file's comment). */
export function ruin(
  state: ClusterState,
  r: DeploymentInfo,
  random: () => number,
  count: number,
  w: MoveWeights,
): number[] {
  const p = state.p;
  const all = (nodes: number[]): number[] => {
    const out = new Set<number>();
    for (const n of nodes) for (const dep of state.depsOn(n)) out.add(dep);
    return [...out];
  };
  const u = random() * (w.room + w.random + w.inTheWay + w.slack);
  if (u >= w.room + w.random && u < w.room + w.random + w.inTheWay) {
    const nodes = top(state, (n) => heldBelow(state, r, n), random, count, 0.05);
    if (nodes.length) return all(nodes).filter((dep) => p.deployments[dep]!.priority < r.priority);
  } else if (u >= w.room + w.random + w.inTheWay) {
    const nodes = top(state, (n) => stranded(state, n), random, count, 0.05);
    if (nodes.length) return all(nodes);
  } else if (u >= w.room) {
    return all(Array.from({ length: count }, () => Math.floor(random() * p.nodes.length)));
  }
  return all(nodesFor(state, r, random, count));
}
