/**
 * When a replica delivers less than its profile promised, with hysteresis.
 * Pure: state in, state out, time as an argument.
 *
 * The plan gives each replica a share of its accelerator sized from the
 * module's profile (planned fps / profiled max fps), so at that share the
 * profile's fps is the replica's planned fps (the sum of its placements'). A
 * replica busy at least `busy` (0.9) of the time while it serves less than
 * `short` (0.8) × its planned fps is short of its profile: sustained for
 * `sustainMs`, it asks for a re-plan, at most once per `cooldownMs` (the
 * load trigger's, load-trigger.ts). A replica without a measurement (no
 * traffic lately) resets its timer.
 */
import type { LoadTriggerConfig } from './load-trigger.js';

export interface CapacityConfig {
  /** Busy fraction from which a replica counts as saturated. */
  busy: number;
  /** Served below this fraction of its planned fps while saturated: short of its profile. */
  short: number;
}

export const DEFAULT_CAPACITY: CapacityConfig = { busy: 0.9, short: 0.8 };

export interface ReplicaMeasure {
  replica: string;
  node: string;
  /** Frames per second the plan gives it (every deployment's placements on it). */
  plannedFps: number;
  servedFps: number;
  busy: number;
}

export interface CapacityTriggerState {
  since: Record<string, number>;
  lastFiredAt: Record<string, number>;
}

export const emptyCapacityState = (): CapacityTriggerState => ({ since: {}, lastFiredAt: {} });

export interface CapacityDecision extends ReplicaMeasure {
  kind: 'capacity';
  reason: string;
}

const round = (x: number) => Math.round(x * 100) / 100;

export function capacityDecisions(
  state: CapacityTriggerState,
  replicas: readonly ReplicaMeasure[],
  now: number,
  t: Pick<LoadTriggerConfig, 'sustainMs' | 'cooldownMs'>,
  c: CapacityConfig = DEFAULT_CAPACITY,
): { state: CapacityTriggerState; decisions: CapacityDecision[] } {
  // A cooldown outlives a pause in the measurements; a timer does not.
  const cooling = Object.entries(state.lastFiredAt).filter(([, at]) => now - at < t.cooldownMs);
  const next: CapacityTriggerState = { since: {}, lastFiredAt: Object.fromEntries(cooling) };
  const decisions: CapacityDecision[] = [];
  for (const r of replicas) {
    const last = next.lastFiredAt[r.replica];
    if (!(r.plannedFps > 0 && r.busy >= c.busy && r.servedFps < c.short * r.plannedFps)) continue;
    const from = state.since[r.replica] ?? now;
    next.since[r.replica] = from;
    if (now - from < t.sustainMs) continue;
    if (last !== undefined && now - last < t.cooldownMs) continue;
    const s = Math.round((now - from) / 1000);
    decisions.push({
      ...r,
      kind: 'capacity',
      reason:
        `capacity: replica ${r.replica} on ${r.node} busy ${round(r.busy)} serving ${round(r.servedFps)} fps, ` +
        `below ${c.short}× its planned ${round(r.plannedFps)} fps for ${s} s`,
    });
    next.lastFiredAt[r.replica] = now;
    delete next.since[r.replica];
  }
  return { state: next, decisions };
}
