/**
 * `nexus`: Nexus's squishy bin packing (Shen et al., SOSP'19) on Rim's
 * profiles. Each GPU module of a deployment is a Nexus "session" with rate
 * = fps and a latency budget = the deployment's target split evenly over
 * its modules. On a GPU of model M a session's per-frame latency is
 * L_M/(1−u), so the session tolerates u ≤ 1 − L_M/budget on it (Nexus's
 * "duty cycle fits the SLO"). Sessions whose rate fills a GPU get dedicated
 * GPUs (saturate step, fastest model first); residual sessions, largest
 * occupancy first, are merged best-fit: onto the GPU whose occupancy after
 * the merge is highest while every session on it keeps its budget.
 * Departures, and why (each keeps it a faithful, not weakened, baseline):
 *  - no batching curve: Rim's profiles give max fps and light-load latency,
 *    so occupancy is rate/maxFps and the SLO check is the L/(1−u) model that
 *    every strategy here is judged by;
 *  - heterogeneous GPUs (Nexus assumes one kind): a session's occupancy and
 *    budget are computed per model;
 *  - deployments (not single models) are the unit of admission: all of a
 *    deployment's sessions must fit, else none stays; deployments go by
 *    priority level (like every strategy), largest occupancy first within it;
 *  - Nexus does not place CPU work; its CPU modules go to the node of their
 *    heaviest GPU neighbour when cores allow, else the first node with room;
 *  - GPU memory, node cores and memory are respected (Nexus checks memory);
 *  - a deployment whose whole-path estimate (network edges, CPU modules)
 *    still misses its target is dropped afterwards.
 * Cost: O(D·M·S) for D deployments, M modules, S slots.
 */
import { ClusterState } from '../cluster-state.js';
import { Draft } from '../draft.js';
import { buildPlan } from '../plan-build.js';
import { type DeploymentInfo, type Problem, profileFor } from '../problem.js';
import { capacityReason, rejectionReason } from '../reasons.js';
import type { Strategy, StrategyContext } from '../strategy.js';
import { dropLatencyViolators, profiledSlots } from './baseline-kit.js';

/** Places one deployment's GPU sessions and CPU modules in a draft; false if any does not fit. */
function placeNexus(
  p: Problem,
  state: ClusterState,
  sloCap: Float64Array,
  d: DeploymentInfo,
  draft: Draft,
  caps: Map<number, number>,
): boolean {
  const app = p.apps.get(d.app)!;
  const budget = d.latencyMs / app.modules.length;
  const h = p.headroom;
  for (const m of app.modules) {
    if (!m.gpu) continue;
    const slots = profiledSlots(p, d.app, m.index, 'default');
    const prof = (s: number) => profileFor(p, d.app, m.name, 'default', p.slots[s]!.model)!;
    const uMax = (s: number) => Math.min(1 - h, 1 - prof(s).latencyMs / budget);
    let rate = d.fps;
    // Saturate: dedicated GPUs for what fills a whole one, fastest model first.
    const empty = slots
      .filter((s) => state.gpuLoad[s]! <= 1e-12 && draft.gpuFree(s) >= 1 - h - 1e-12 && uMax(s) > 0)
      .sort((a, b) => prof(b).maxFps * uMax(b) - prof(a).maxFps * uMax(a) || a - b);
    for (const s of empty) {
      const full = prof(s).maxFps * uMax(s);
      if (rate < full - 1e-9) break;
      if (draft.maxFps(m.index, 'default', s) < full - 1e-9) continue;
      draft.add(m.index, 'default', s, full);
      caps.set(s, Math.min(caps.get(s) ?? 1, uMax(s)));
      rate -= full;
    }
    if (rate <= 1e-9) continue;
    // Residual: best-fit by occupancy after the merge, every session's budget kept.
    let best: number | undefined;
    let bestOcc = -1;
    for (const s of slots) {
      const occ = draft.util(s) + rate / prof(s).maxFps;
      const cap = Math.min(uMax(s), sloCap[s]!, caps.get(s) ?? 1);
      if (occ > cap + 1e-12 || draft.maxFps(m.index, 'default', s) < rate - 1e-9) continue;
      if (occ > bestOcc) {
        bestOcc = occ;
        best = s;
      }
    }
    if (best === undefined) return false;
    draft.add(m.index, 'default', best, rate);
    caps.set(best, Math.min(caps.get(best) ?? 1, uMax(best)));
  }
  for (const m of app.modules) {
    if (m.gpu) continue;
    const near = draft.shares
      .filter((s) => app.modules[s.module]!.next.includes(m.index) || m.next.includes(s.module))
      .map((s) => p.nodes[p.slots[s.slot]!.node]!.cpuSlot);
    const order = [...near, ...profiledSlots(p, d.app, m.index, 'default')];
    const slot = order.find((s) => draft.maxFps(m.index, 'default', s) >= d.fps - 1e-9);
    if (slot === undefined) return false;
    draft.add(m.index, 'default', slot, d.fps);
  }
  return true;
}

export const nexusStrategy: Strategy = {
  name: 'nexus',
  summary:
    "Nexus's squishy bin packing (SOSP'19): GPU sessions with the target split evenly over modules, " +
    'saturate then best-fit by occupancy',
  plan({ problem: p }: StrategyContext) {
    const state = new ClusterState(p, false);
    const reasons = new Map<number, string>();
    const sloCap = new Float64Array(p.slots.length).fill(1); // per GPU: the least u its sessions tolerate
    const occupancy = (d: DeploymentInfo): number => {
      const app = p.apps.get(d.app);
      if (!app) return 0;
      return Math.max(
        0,
        ...app.modules
          .filter((m) => m.gpu)
          .map((m) => {
            const f = Math.max(
              0,
              ...profiledSlots(p, d.app, m.index, 'default').map(
                (s) => profileFor(p, d.app, m.name, 'default', p.slots[s]!.model)!.maxFps,
              ),
            );
            return f > 0 ? d.fps / f : Infinity;
          }),
      );
    };
    const order = [...p.deployments].sort(
      (a, b) => b.priority - a.priority || occupancy(b) - occupancy(a) || a.index - b.index,
    );
    for (const d of order) {
      const app = p.apps.get(d.app);
      const draft = new Draft(state, d.index);
      const caps = new Map<number, number>();
      if (
        app &&
        app.modules.every((m) => profiledSlots(p, d.app, m.index, 'default').length) &&
        placeNexus(p, state, sloCap, d, draft, caps)
      ) {
        state.addShares(d.index, draft.shares);
        for (const [s, c] of caps) sloCap[s] = Math.min(sloCap[s]!, c);
      } else {
        const budget = app ? (d.latencyMs / app.modules.length).toFixed(0) : '?';
        const structural = !app || !app.modules.every((m) => profiledSlots(p, d.app, m.index, 'default').length);
        reasons.set(
          d.index,
          structural
            ? rejectionReason(state, d, undefined)
            : (capacityReason(state, d) ??
                `no GPU with room keeps its sessions within the per-module budget of ${budget} ms ` +
                  `(nexus splits the ${d.latencyMs} ms target evenly over ${app.modules.length} modules)`),
        );
      }
    }
    dropLatencyViolators(state, reasons, 'nexus');
    return buildPlan('nexus', state, reasons);
  },
};
