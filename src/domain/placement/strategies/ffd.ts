/**
 * `ffd`: first-fit decreasing on f/F, the textbook bin-packing baseline.
 * Items are (deployment, module) pairs sized by f/F on the best accelerator
 * model for them; largest first, each goes whole to the first accelerator
 * (cluster order) with room (GPU share, GPU memory, cores, memory).
 * Departures, and why (none of them weaken it):
 *  - priority levels are packed one after another, highest first, like every
 *    strategy here (priorities are part of the problem, not of the packer);
 *  - an item larger than any one accelerator is split first-fit (textbook
 *    FFD would reject every stream that exceeds one GPU);
 *  - a deployment is admitted only if all its items fit (a partial DAG
 *    serves nothing), and one whose latency estimate misses its target is
 *    dropped afterwards (FFD has no latency model).
 * Cost: O(I log I + I·S) for I items and S slots.
 */
import { ClusterState } from '../cluster-state.js';
import { buildPlan } from '../plan-build.js';
import { profileFor } from '../problem.js';
import { rejectionReason } from '../reasons.js';
import type { Strategy, StrategyContext } from '../strategy.js';
import { dropLatencyViolators, firstFit, firstFitSplit, profiledSlots } from './baseline-kit.js';

export const ffdStrategy: Strategy = {
  name: 'ffd',
  summary: 'first-fit decreasing on f/F over accelerators in cluster order (by priority level, no latency model)',
  plan({ problem: p }: StrategyContext) {
    const state = new ClusterState(p, false);
    const reasons = new Map<number, string>();
    const levels = [...new Set(p.deployments.map((d) => d.priority))].sort((a, b) => b - a);
    for (const level of levels) {
      const items: Array<{ dep: number; module: number; size: number; slots: number[] }> = [];
      const failed = new Set<number>();
      for (const d of p.deployments) {
        if (d.priority !== level) continue;
        const app = p.apps.get(d.app);
        if (!app) {
          failed.add(d.index);
          continue;
        }
        for (const m of app.modules) {
          const slots = profiledSlots(p, d.app, m.index, 'default');
          const best = Math.max(
            0,
            ...slots.map((s) => profileFor(p, d.app, m.name, 'default', p.slots[s]!.model)!.maxFps),
          );
          if (!slots.length) failed.add(d.index);
          items.push({ dep: d.index, module: m.index, size: best > 0 ? d.fps / best : Infinity, slots });
        }
      }
      items.sort((a, b) => b.size - a.size || a.dep - b.dep || a.module - b.module);
      for (const it of items) {
        if (failed.has(it.dep)) continue;
        const fps = p.deployments[it.dep]!.fps;
        const slot = firstFit(state, it.dep, it.module, 'default', fps, it.slots);
        const shares =
          slot !== undefined
            ? [{ dep: it.dep, module: it.module, variant: 'default', slot, fps }]
            : firstFitSplit(state, it.dep, it.module, 'default', fps, it.slots);
        if (shares) state.addShares(it.dep, shares);
        else failed.add(it.dep);
      }
      for (const dep of failed) {
        state.remove(dep);
        reasons.set(dep, rejectionReason(state, p.deployments[dep]!, undefined));
      }
    }
    dropLatencyViolators(state, reasons, 'ffd');
    return buildPlan('ffd', state, reasons);
  },
};
