/**
 * Last chance for what is still rejected, highest priority first: thin
 * splits (a module spread over more replicas to meet its share of a tight
 * target) in the capacity left when everything else is placed. Thin splits
 * hold GPUs at low utilisation, so they come after, not before, the rest:
 * they admit tight deployments when the cluster has room to spare without
 * costing the others. O(rejected · cost of a placement).
 */
import type { ClusterState } from '../cluster-state.js';
import type { DeploymentInfo } from '../problem.js';
import { capacityReason, structuralReason } from '../reasons.js';
import { SlotIndex } from './drafts.js';
import { placeDeployment } from './place-deployment.js';
import { variantLevels } from './variant-levels.js';

/** Deployments the last-chance pass tries at most. */
const LAST_CHANCE_BUDGET = 40;

export function lastChance(state: ClusterState, reasons: Map<number, string>, order: DeploymentInfo[]): void {
  const p = state.p;
  const index = new SlotIndex(p);
  const failed = new Map<string, Array<{ fps: number; latencyMs: number }>>();
  let tries = 0;
  for (const d of order) {
    if (tries >= LAST_CHANCE_BUDGET) break;
    if (state.isPlaced(d.index) || !p.apps.has(d.app)) continue;
    if (structuralReason(p, d) || capacityReason(state, d, true)) continue;
    // Dominance, as in the greedy pass: no more room appears during this pass.
    if (failed.get(d.app)?.some((x) => x.fps <= d.fps && x.latencyMs >= d.latencyMs)) continue;
    tries++;
    const f = placeDeployment(state, index, d, variantLevels(p, d.app), { thin: true, level: true });
    if (f === undefined) {
      reasons.delete(d.index);
      continue;
    }
    if (!failed.has(d.app)) failed.set(d.app, []);
    failed.get(d.app)!.push({ fps: d.fps, latencyMs: d.latencyMs });
  }
}
