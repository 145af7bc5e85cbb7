/**
 * What the baselines share. They place by their own rules, which do not (or
 * not fully) model Rim's latency estimate; a deployment whose estimate then
 * misses its target is not admitted (lowest priority first, as the one
 * repair that keeps the plan valid), with a reason that says so.
 * O(R · D · DAG) for R repairs.
 */
import type { ClusterState } from '../cluster-state.js';
import type { Share } from '../latency.js';
import { moduleVariant, type Problem } from '../problem.js';
import { Draft } from '../draft.js';

export function dropLatencyViolators(state: ClusterState, reasons: Map<number, string>, strategy: string): void {
  const p = state.p;
  for (;;) {
    let worst: { dep: number; ms: number } | undefined;
    for (const d of p.deployments) {
      if (!state.isPlaced(d.index)) continue;
      const ms = state.latencyOf(d.index);
      if (ms <= d.latencyMs + 1e-9) continue;
      const w = worst ? p.deployments[worst.dep]! : undefined;
      if (!w || d.priority < w.priority || (d.priority === w.priority && ms / d.latencyMs > worst!.ms / w.latencyMs))
        worst = { dep: d.index, ms };
    }
    if (!worst) return;
    const d = p.deployments[worst.dep]!;
    state.remove(worst.dep);
    reasons.set(
      worst.dep,
      `${strategy} placed it, but its latency estimate ${worst.ms.toFixed(0)} ms misses the ${d.latencyMs} ms target`,
    );
  }
}

/** First slot of `order` that takes all `fps` of the module now (capacity, memory, cores). */
export function firstFit(
  state: ClusterState,
  dep: number,
  module: number,
  variant: string,
  fps: number,
  order: Iterable<number>,
): number | undefined {
  const draft = new Draft(state, dep);
  for (const slot of order) if (draft.maxFps(module, variant, slot) >= fps - 1e-9) return slot;
  return undefined;
}

/** Splits `fps` first-fit over `order` (for a stream larger than any one accelerator); undefined if it cannot. */
export function firstFitSplit(
  state: ClusterState,
  dep: number,
  module: number,
  variant: string,
  fps: number,
  order: Iterable<number>,
): Share[] | undefined {
  const draft = new Draft(state, dep);
  return draft.place(module, variant, fps, [...order], 1) ? draft.shares : undefined;
}

/** Slots that have a profile for the module variant, in cluster order. */
export function profiledSlots(p: Problem, app: string, module: number, variant: string): number[] {
  const by = moduleVariant(p, app, module, variant).bySlot;
  return p.slots.filter((s) => by[s.index]).map((s) => s.index);
}
