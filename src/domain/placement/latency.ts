/**
 * docs/design.md's latency estimate, the one formula every strategy and the
 * validator use. It follows the router's data path: the box that receives a
 * frame calls every module itself, out and back (src/router/frame-router.ts).
 * A module adds latencyMs / (1 − u) (u: its GPU's utilisation, or its node's
 * core utilisation for a CPU module) and, for a share on a node other than
 * the entry box, its request and answer over that link plus one round trip
 * ((inKB + frameKB)·8/bandwidthMbps + rttMs, hopCostMs); with frames split
 * over replicas the slowest share counts. The entry box is a node that holds
 * a share of the DAG's entry module, the worst of them; the estimate is the
 * DAG's longest path. O(entry nodes · (modules · shares + edges)).
 */
import { type AppInfo, type Problem, hopCostMs, moduleVariant } from './problem.js';

/** One (deployment, module, variant, slot) row of a plan: `fps` frames/s of the deployment. */
export interface Share {
  dep: number;
  module: number;
  variant: string;
  slot: number;
  fps: number;
}

/** Per-frame latency at utilisation u (Infinity at or past saturation). */
export function loadedLatency(latencyMs: number, u: number): number {
  return u >= 1 ? Infinity : latencyMs / (1 - u);
}

/**
 * The estimate for one deployment's shares. `util(slot)` gives the slot's
 * utilisation. A module with no share (or no profile) makes it Infinity.
 */
export function estimateLatency(
  p: Problem,
  app: AppInfo,
  shares: readonly Share[],
  util: (slot: number) => number,
): number {
  const n = app.modules.length;
  const k = shares.length;
  // Scratch arrays reused across calls (this runs for every tenant of every touched node on every try).
  if (scratch.start.length < n || scratch.ms.length < k) scratch = grow(Math.max(n, 16), Math.max(k, 64));
  const { ms, node, start, seen } = scratch;
  seen.fill(0, 0, n);
  for (let i = 0; i < k; i++) {
    const s = shares[i]!;
    // (The module's own cache first: moduleVariant would look the app up by name for every share.)
    const mv = app.modules[s.module]?.byVariant.get(s.variant) ?? moduleVariant(p, app.name, s.module, s.variant);
    const prof = mv.bySlot[s.slot];
    ms[i] = prof ? loadedLatency(prof.latencyMs, util(s.slot)) : Infinity;
    node[i] = p.slots[s.slot]!.node;
    seen[s.module] = 1;
  }
  for (let m = 0; m < n; m++) if (seen[m] === 0) return Infinity;
  let worst = 0;
  for (let e = 0; e < k; e++) {
    if (shares[e]!.module !== app.entry || !firstOnNode(shares, node, e, app.entry)) continue;
    const entry = node[e]!;
    start.fill(0, 0, n);
    for (const m of app.topo) {
      const mod = app.modules[m]!;
      let cost = 0; // the slowest share, with its hop from the entry box
      for (let i = 0; i < k; i++) {
        if (shares[i]!.module !== m) continue;
        const c = ms[i]! + hopCostMs(p, mod, entry, node[i]!);
        if (c > cost) cost = c;
      }
      const finish = start[m]! + cost;
      if (finish > worst) worst = finish;
      for (const nx of mod.next) if (finish > start[nx]!) start[nx] = finish;
    }
  }
  return worst;
}

/** Whether share e is the first share of `module` on its node (each entry box is tried once). */
function firstOnNode(shares: readonly Share[], node: Int32Array, e: number, module: number): boolean {
  for (let j = 0; j < e; j++) if (shares[j]!.module === module && node[j] === node[e]) return false;
  return true;
}

const grow = (n: number, k: number) => ({
  ms: new Float64Array(k),
  node: new Int32Array(k),
  start: new Float64Array(n),
  seen: new Uint8Array(n),
});
let scratch = grow(16, 64);
