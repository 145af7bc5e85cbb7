/**
 * The greedy pass: each deployment of `order` not yet placed gets its tries
 * (place-deployment.ts) in the state as it is, or a reason. Fills `state`
 * and `reasons` in place. `lightFirst` tries each app's variant levels
 * lightest first (admission before quality: what is placed early leaves the
 * most room to what follows; the promotion pass gives quality back where it
 * fits at the end). `level` (by default with `lightFirst`, on large instances): each
 * deployment also tries a level split (level-split.ts) after its other
 * tries. O(D · cost of placeDeployment),
 * less the deployments skipped by the early exits.
 */
import type { ClusterState, Failure } from '../cluster-state.js';
import type { DeploymentInfo } from '../problem.js';
import { capacityReason, rejectionReason, structuralReason } from '../reasons.js';
import { SlotIndex } from './drafts.js';
import { lastChance } from './last-chance.js';
import { placeDeployment } from './place-deployment.js';
import { variantLevels } from './variant-levels.js';

/**
 * Level splits in the greedy pass only above this many deployments: below it the search runs to a time limit
 * (fresh-plan.ts), and level tries in its re-inserts cost it steps (the paper file's plan fell from 225 to 210
 * fps under the clock) for nothing there (225 with or without them, no clock).
 */
const LEVEL_MIN_DEPLOYMENTS = 60;

export function greedy(
  state: ClusterState,
  reasons: Map<number, string>,
  order: DeploymentInfo[],
  detours: (d: DeploymentInfo) => boolean = () => false,
  lightFirst = false,
  level = lightFirst && state.p.deployments.length > LEVEL_MIN_DEPLOYMENTS,
): void {
  const p = state.p;
  const index = new SlotIndex(p);
  const levelsByApp = new Map<string, string[][]>();
  const failures = new Map<string, Array<{ fps: number; latencyMs: number; f: Failure | undefined }>>();
  for (const d of order) {
    if (state.isPlaced(d.index)) continue;
    const structural = p.apps.has(d.app) ? structuralReason(p, d) : `app ${d.app} is not registered`;
    if (structural) {
      reasons.set(d.index, structural);
      continue;
    }
    let levels = levelsByApp.get(d.app);
    if (!levels) {
      levels = variantLevels(p, d.app);
      if (lightFirst) levels = [...levels].reverse();
      levelsByApp.set(d.app, levels);
    }
    // Cheap early exit when even the lightest variants cannot fit in what is free.
    const early = capacityReason(state, d) ?? capacityReason(state, d, true);
    if (early) {
      reasons.set(d.index, early);
      continue;
    }
    // Dominance: the cluster only fills up during a greedy pass, so a deployment of an app
    // that already failed with no more fps and no tighter target fails too. Skip the tries.
    const failedBefore = failures.get(d.app)?.find((x) => x.fps <= d.fps && x.latencyMs >= d.latencyMs);
    if (failedBefore) {
      reasons.set(d.index, rejectionReason(state, d, failedBefore.f));
      continue;
    }
    const f = placeDeployment(state, index, d, levels, {
      detours: detours(d),
      level,
    });
    if (f === undefined) {
      reasons.delete(d.index);
      continue;
    }
    reasons.set(d.index, rejectionReason(state, d, f));
    if (!failures.has(d.app)) failures.set(d.app, []);
    failures.get(d.app)!.push({ fps: d.fps, latencyMs: d.latencyMs, f });
  }
}

/**
 * The greedy pass one priority level at a time, highest first, each level
 * but the lowest followed by its last chance (thin splits for what it left
 * rejected) before the next level is placed: a tight deployment may hold GPUs at low
 * utilisation against lower levels, never against its own level's others
 * (they were placed first). Above 60 deployments the lightest-first starts
 * (and the search's re-inserts, lightest first too) also try level splits;
 * the full-quality starts do not (with them the paper testbed's plan fell
 * from 225 to 210 fps). O(levels · cost of the passes on that level).
 */
export function greedyByLevel(
  state: ClusterState,
  reasons: Map<number, string>,
  order: DeploymentInfo[],
  detours: (d: DeploymentInfo) => boolean = () => false,
  lightFirst = false,
): void {
  const levels = [...new Set(order.map((d) => d.priority))].sort((a, b) => b - a);
  for (const [i, level] of levels.entries()) {
    const sub = order.filter((d) => d.priority === level);
    greedy(state, reasons, sub, detours, lightFirst);
    // The lowest level's last chance is the caller's, after its other passes (nothing below it to spare).
    if (i < levels.length - 1) lastChance(state, reasons, sub);
  }
}
