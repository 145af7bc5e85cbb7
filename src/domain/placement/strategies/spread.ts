/**
 * `spread`: what Kubernetes' default scheduler does with these apps. Every
 * GPU replica requests `nvidia.com/gpu: 1`, so it owns a whole GPU; a new
 * replica goes to the feasible node with the least allocated resources
 * (NodeResourcesFit/LeastAllocated: mean of requested cores and memory
 * fractions); CPU replicas request cpuCores·f/F cores and go the same way.
 * Pods are scheduled in queue order: priority, then arrival (file order).
 * Departures, and why (in its favour, so it is no strawman):
 *  - a replica's spare throughput is shared by later deployments of the same
 *    app (a Service load-balancing over existing pods; plain per-stream pods
 *    would waste more), up to maxFps·(1 − headroom);
 *  - a deployment is admitted only if all its replicas fit (a partial DAG
 *    serves nothing), and one whose latency estimate misses its target is
 *    dropped afterwards (the scheduler has no latency model).
 * Cost: O(D·M·(N + S)) for D deployments, M modules, N nodes, S slots.
 */
import { ClusterState } from '../cluster-state.js';
import { Draft } from '../draft.js';
import { buildPlan } from '../plan-build.js';
import { byPriority, type Problem } from '../problem.js';
import { rejectionReason } from '../reasons.js';
import type { Strategy, StrategyContext } from '../strategy.js';
import { dropLatencyViolators, profiledSlots } from './baseline-kit.js';

function allocated(p: Problem, state: ClusterState, draft: Draft, node: number): number {
  const n = p.nodes[node]!;
  const cores = draft.util(n.cpuSlot);
  const mem = n.memoryMB > 0 ? state.nodeMem[node]! / n.memoryMB : 1;
  return (cores + mem) / 2;
}

export const spreadStrategy: Strategy = {
  name: 'spread',
  summary: "Kubernetes' default: one whole GPU per GPU replica, nodes by least allocated, queue order",
  plan({ problem: p }: StrategyContext) {
    const state = new ClusterState(p, false);
    const reasons = new Map<number, string>();
    const owner = new Map<number, string>(); // GPU slot → the replica (app/module) that owns it
    for (const d of byPriority(p)) {
      const app = p.apps.get(d.app);
      const draft = new Draft(state, d.index);
      const claimed = new Map<number, string>();
      let ok = !!app;
      for (const m of app?.modules ?? []) {
        if (!ok) break;
        const key = `${d.app}/${m.name}`;
        const slots = profiledSlots(p, d.app, m.index, 'default');
        let need = d.fps;
        const take = (slot: number): void => {
          const can = Math.min(need, draft.maxFps(m.index, 'default', slot));
          if (can <= 1e-9) return;
          draft.add(m.index, 'default', slot, need - can <= 1e-9 ? need : can);
          need -= can;
        };
        if (!m.gpu) {
          // One CPU pod per deployment module, on the least allocated node that fits it whole.
          const fit = slots
            .filter((s) => draft.maxFps(m.index, 'default', s) >= need - 1e-9)
            .sort(
              (a, b) =>
                allocated(p, state, draft, p.slots[a]!.node) - allocated(p, state, draft, p.slots[b]!.node) || a - b,
            );
          if (fit.length) take(fit[0]!);
          ok = need <= 1e-9;
          continue;
        }
        for (const s of slots) if (need > 1e-9 && (owner.get(s) ?? claimed.get(s)) === key) take(s);
        while (need > 1e-9) {
          const free = slots.filter(
            (s) => !owner.has(s) && !claimed.has(s) && draft.maxFps(m.index, 'default', s) > 1e-9,
          );
          if (!free.length) break;
          free.sort(
            (a, b) =>
              allocated(p, state, draft, p.slots[a]!.node) - allocated(p, state, draft, p.slots[b]!.node) || a - b,
          );
          claimed.set(free[0]!, key);
          take(free[0]!);
        }
        ok = need <= 1e-9;
      }
      if (ok) {
        state.addShares(d.index, draft.shares);
        for (const [s, k] of claimed) owner.set(s, k);
      } else {
        reasons.set(d.index, rejectionReason(state, d, undefined));
      }
    }
    dropLatencyViolators(state, reasons, 'spread');
    // A replica whose every deployment was dropped no longer owns its GPU; that does not change this plan.
    return buildPlan('spread', state, reasons);
  },
};
