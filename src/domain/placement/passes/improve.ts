/**
 * The improvement pass, after the greedy pass: make room for rejected
 * deployments by moving one placed deployment at a time (a one-step ejection chain). For a rejected
 * deployment r, the tenants of the accelerators where r's heaviest module
 * would run fastest are tried as blockers: lift the blocker out, place r,
 * put the blocker back anywhere; kept if both fit, or if r is worth more
 * than the blocker (a higher priority, or more fps at the same one), so
 * every accepted step admits strictly more (priority-lexicographic).
 * Bounded by `budget` tries.
 * Cost: O(budget · cost of placeDeployment).
 */
import type { ClusterState } from '../cluster-state.js';
import type { DeploymentInfo } from '../problem.js';
import { moduleVariant } from '../problem.js';
import { capacityReason, structuralReason } from '../reasons.js';
import { SlotIndex } from './drafts.js';
import { placeDeployment } from './place-deployment.js';
import { variantLevels } from './variant-levels.js';

/** Moves tried by the improvement pass. */
const IMPROVE_BUDGET = 40;
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
    if (best > 0 && 1 / best > worst) {
      worst = 1 / best;
      heaviest = m;
    }
  }
  const by = moduleVariant(p, app.name, heaviest.index, 'default').bySlot;
  const slots = index
    .slots(app, heaviest.index, 'default')
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
  return out
    .sort((a, b) => a.load - b.load || a.dep - b.dep)
    .slice(0, BLOCKERS_PER_REJECTED)
    .map((x) => x.dep);
}

/** Whether admitting `r` instead of `b` is worth it: a higher priority, or more fps at the same one. */
const worthSwapping = (r: DeploymentInfo, b: DeploymentInfo): boolean =>
  b.priority < r.priority || (b.priority === r.priority && b.fps < r.fps);

/**
 * Returns the reasons that changed: undefined for a deployment the moves
 * admitted, a reason for one they rejected (an exchange: `b` out so that `r`,
 * of a higher priority or more fps, gets in, when `b` fits nowhere else).
 */
function improve(
  state: ClusterState,
  index: SlotIndex,
  rejected: DeploymentInfo[],
  place: Place,
  budget: number,
): Map<number, string | undefined> {
  const p = state.p;
  const changed = new Map<number, string | undefined>();
  let tries = 0;
  let progress = true;
  const queue = [...rejected];
  while (progress && tries < budget) {
    progress = false;
    for (const r of queue) {
      if (state.isPlaced(r.index) || tries >= budget) continue;
      for (const b of blockers(state, index, r)) {
        if (tries++ >= budget) break;
        const old = state.remove(b);
        const blocker = p.deployments[b]!;
        if (place(r)) {
          if (place(blocker)) {
            changed.set(r.index, undefined);
            progress = true;
            break;
          }
          if (worthSwapping(r, blocker)) {
            changed.set(r.index, undefined);
            const why = blocker.priority < r.priority ? 'a higher priority' : `${r.fps} fps against its ${blocker.fps}`;
            changed.set(b, `rejected to make room for ${r.name} (${why}); it fits nowhere else`);
            queue.push(blocker); // it may still fit later, after other moves
            progress = true;
            break;
          }
          state.remove(r.index);
        }
        // The state is as it was before the try, so the old shares fit; tolerate float drift.
        if (state.tryPlace(b, old)) state.addShares(b, old);
      }
    }
  }
  return changed;
}

/**
 * The improvement pass over a greedy result: tries to admit `order`'s
 * rejected deployments, updating `reasons` for what it admits or pushes out.
 */
export function improvePlan(state: ClusterState, reasons: Map<number, string>, order: DeploymentInfo[]): void {
  const p = state.p;
  const index = new SlotIndex(p);
  const levels = new Map<string, string[][]>();
  const rejected = order.filter((d) => !state.isPlaced(d.index) && p.apps.has(d.app) && !structuralReason(p, d));
  const place = (d: DeploymentInfo): boolean => {
    if (capacityReason(state, d, true)) return false; // not enough room even in sum: skip the tries
    if (!levels.has(d.app)) levels.set(d.app, variantLevels(p, d.app));
    return placeDeployment(state, index, d, levels.get(d.app)!) === undefined;
  };
  for (const [dep, why] of improve(state, index, rejected, place, IMPROVE_BUDGET)) {
    if (why === undefined) reasons.delete(dep);
    else reasons.set(dep, why);
  }
}
