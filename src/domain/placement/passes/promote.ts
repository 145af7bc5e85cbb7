/**
 * Promotion, the last pass: a deployment admitted on lighter variants
 * (a demotion bought its admission when the cluster was fuller) tries its
 * higher-quality variant levels again, highest priority first, in the
 * cluster as it ends up; it keeps its old shares when none fits. Admission
 * never changes, only quality. O(demoted · cost of placeDeployment).
 */
import type { ClusterState } from '../cluster-state.js';
import type { DeploymentInfo } from '../problem.js';
import { SlotIndex } from './drafts.js';
import { placeDeployment } from './place-deployment.js';
import { variantLevels } from './variant-levels.js';

/** Deployments the pass tries at most (keeps large plans fast). */
const PROMOTE_BUDGET = 40;

export function promote(state: ClusterState, order: readonly DeploymentInfo[]): void {
  const p = state.p;
  const index = new SlotIndex(p);
  let tries = 0;
  for (const d of order) {
    if (tries >= PROMOTE_BUDGET) break;
    const shares = state.shares[d.index]!;
    if (!shares.length || shares.every((s) => s.variant === 'default')) continue;
    const levels = variantLevels(p, d.app);
    const current = levels.findIndex((l) => shares.every((s) => l[s.module] === s.variant));
    const better = current < 0 ? levels.slice(0, 1) : levels.slice(0, current);
    if (!better.length) continue;
    tries++;
    const old = state.remove(d.index);
    if (placeDeployment(state, index, d, better) === undefined) continue;
    // The state is as it was, so the old shares fit; tolerate float drift.
    if (state.tryPlace(d.index, old)) state.addShares(d.index, old);
  }
}
