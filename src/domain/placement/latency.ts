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
 * DAG's longest path. O(entry nodes · (shares + modules + edges)).
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
  const byModule: Array<Array<{ node: number; ms: number }>> = app.modules.map(() => []);
  for (const s of shares) {
    const prof = moduleVariant(p, app.name, s.module, s.variant).bySlot[s.slot];
    const ms = prof ? loadedLatency(prof.latencyMs, util(s.slot)) : Infinity;
    byModule[s.module]!.push({ node: p.slots[s.slot]!.node, ms });
  }
  if (byModule.some((l) => l.length === 0)) return Infinity;
  const entries = [...new Set(byModule[app.entry]!.map((x) => x.node))];
  let worst = 0;
  const start = new Array<number>(n);
  for (const entry of entries) {
    start.fill(0);
    for (const m of app.topo) {
      const mod = app.modules[m]!;
      let cost = 0; // the slowest share, with its hop from the entry box
      for (const x of byModule[m]!) cost = Math.max(cost, x.ms + hopCostMs(p, mod, entry, x.node));
      const finish = start[m]! + cost;
      if (finish > worst) worst = finish;
      for (const nx of mod.next) if (finish > start[nx]!) start[nx] = finish;
    }
  }
  return worst;
}
