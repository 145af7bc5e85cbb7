/**
 * docs/design.md's latency estimate, the one formula every strategy and the
 * validator use: a module adds latencyMs / (1 − u) (u: its GPU's utilisation,
 * or its node's core utilisation for a CPU module; with frames split over
 * replicas the slowest share counts), a cross-node edge adds
 * frameKB·8/bandwidthMbps + rttMs, and the estimate is the DAG's longest path.
 * An edge is local only when every share of both ends sits on one node.
 * O(shares + modules + edges).
 */
import { type AppInfo, type Problem, edgeCostMs, moduleVariant } from './problem.js';

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
  // Scratch arrays reused across calls (this runs for every tenant of every touched node on every try).
  if (scratch.lat.length < n) scratch = grow(n);
  const { lat, nodeOf, start } = scratch;
  lat.fill(-1, 0, n);
  nodeOf.fill(-1, 0, n); // -2: several nodes
  start.fill(0, 0, n);
  for (const s of shares) {
    const slot = p.slots[s.slot]!;
    // (The module's own cache first: moduleVariant would look the app up by name for every share.)
    const mv = app.modules[s.module]?.byVariant.get(s.variant) ?? moduleVariant(p, app.name, s.module, s.variant);
    const prof = mv.bySlot[s.slot];
    const l = prof ? loadedLatency(prof.latencyMs, util(s.slot)) : Infinity;
    if (l > lat[s.module]!) lat[s.module] = l;
    const prev = nodeOf[s.module]!;
    nodeOf[s.module] = prev === -1 || prev === slot.node ? slot.node : -2;
  }
  let longest = 0;
  for (const m of app.topo) {
    if (lat[m]! < 0) return Infinity;
    const finish = start[m]! + lat[m]!;
    if (finish > longest) longest = finish;
    const mod = app.modules[m]!;
    for (const nx of mod.next) {
      const local = nodeOf[m]! >= 0 && nodeOf[m] === nodeOf[nx];
      const t = finish + (local ? 0 : edgeCostMs(p, mod.frameKB));
      if (t > start[nx]!) start[nx] = t;
    }
  }
  return longest;
}

const grow = (n: number) => ({ lat: new Float64Array(n), nodeOf: new Int32Array(n), start: new Float64Array(n) });
let scratch = grow(16);
