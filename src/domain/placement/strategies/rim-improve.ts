/**
 * After the greedy pass: make room for rejected deployments by moving one
 * placed deployment at a time (a one-step ejection chain). For a rejected
 * deployment r, the tenants of the accelerators where r's heaviest module
 * would run fastest are tried as blockers: lift the blocker out, place r,
 * put the blocker back anywhere; kept only if both fit, so every accepted
 * step admits strictly more and loses nothing. Bounded by `budget` tries.
 * Cost: O(budget · cost of placeDeployment).
 */
import type { ClusterState } from '../cluster-state.js';
import type { DeploymentInfo } from '../problem.js';
import { moduleVariant } from '../problem.js';
import type { SlotIndex } from './rim-drafts.js';

const BLOCKERS_PER_REJECTED = 8;
const SLOTS_LOOKED_AT = 6;

type Place = (d: DeploymentInfo) => boolean;

/** Tenants of the slots where `r`'s heaviest GPU module would be fastest now. */
function blockers(state: ClusterState, index: SlotIndex, r: DeploymentInfo): number[] {
  const p = state.p;
  const app = p.apps.get(r.app)!;
  const gpuMods = app.modules.filter((m) => m.gpu);
  const mods = gpuMods.length ? gpuMods : app.modules;
  let heaviest = mods[0]!;
  let worst = -1;
  for (const m of mods) {
    const by = moduleVariant(p, app.name, m.index, 'default').bySlot;
    const best = by.reduce((a, pr) => Math.max(a, pr?.maxFps ?? 0), 0);
    if (best > 0 && 1 / best > worst) { worst = 1 / best; heaviest = m; }
  }
  const by = moduleVariant(p, app.name, heaviest.index, 'default').bySlot;
  const slots = index.slots(app, heaviest.index, 'default')
    .map((s) => ({ s, speed: by[s]!.latencyMs }))
    .sort((a, b) => a.speed - b.speed || a.s - b.s)
    .slice(0, SLOTS_LOOKED_AT);
  const seen = new Set<number>();
  const out: Array<{ dep: number; load: number }> = [];
  for (const { s } of slots) {
    for (const dep of state.depsOn(p.slots[s]!.node)) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      const d = p.deployments[dep]!;
      // Small, loose tenants first: cheapest to move elsewhere.
      out.push({ dep, load: d.fps / d.latencyMs });
    }
  }
  return out.sort((a, b) => a.load - b.load || a.dep - b.dep).slice(0, BLOCKERS_PER_REJECTED).map((x) => x.dep);
}

/** Returns the deployments admitted by the moves. */
export function improve(state: ClusterState, index: SlotIndex, rejected: DeploymentInfo[], place: Place, budget: number): Set<number> {
  const p = state.p;
  const admitted = new Set<number>();
  let tries = 0;
  let progress = true;
  while (progress && tries < budget) {
    progress = false;
    for (const r of rejected) {
      if (state.isPlaced(r.index) || tries >= budget) continue;
      for (const b of blockers(state, index, r)) {
        if (tries++ >= budget) break;
        const old = state.remove(b);
        if (place(r)) {
          if (place(p.deployments[b]!)) { admitted.add(r.index); progress = true; break; }
          state.remove(r.index);
        }
        // The state is as it was before the try, so the old shares fit; tolerate float drift.
        if (state.tryPlace(b, old)) state.addShares(b, old);
      }
    }
  }
  return admitted;
}
