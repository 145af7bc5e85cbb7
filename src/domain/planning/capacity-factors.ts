/**
 * Measured capacity factors: how much of its profile a module really gets on
 * one accelerator of one box, learnt from the capacity trigger's
 * measurements, with hysteresis. Pure: state in, state out, time as an
 * argument.
 *
 * A replica's measured capacity is `served / busy` (what it would serve busy
 * all the time). The plan sized it at `planned` fps, a `share` of the
 * accelerator (planned / (factor × profile fps)); a replica is not held to
 * its share, so when the plan left the accelerator partly free (`spare`) it
 * could use that too. Its whole-accelerator capacity against the profile is
 * then, in the plan's own terms,
 *
 *   estimate = factor × (served / busy) / planned × share / (share + spare)
 *
 * - Down: when the capacity trigger fires for the replica (saturated, short of
 *   its plan, sustained), the factor becomes the estimate (at least `floor`)
 *   if that is lower than the factor now.
 * - Up: a derated replica that is not saturated while it serves at least
 *   `minLoad` of its planned fps, with an estimate at least `recover` × its
 *   factor for `sustainMs`, gets the estimate back (at most 1; from `forget`
 *   on, the factor is dropped). Between 0.8× (the trigger's `short`) and
 *   `recover`× nothing changes: no flapping.
 * - A factor whose replica has not been measured for `forgetMs` (the module
 *   moved away) is dropped: the next plan may try the accelerator again.
 * Either change waits `cooldownMs` after the last change of that factor.
 */
import type { CapacityDecision, ReplicaMeasure } from './capacity-trigger.js';
import type { LoadTriggerConfig } from './load-trigger.js';

/** One module on one accelerator of one box. */
export interface CapacitySlot {
  node: string;
  /** Accelerator id (`cpu` for the node's cores). */
  accelerator: string;
  app: string;
  module: string;
}

export interface CapacityFactor extends CapacitySlot {
  /** Fraction of its profile's fps the module gets there, in (0, 1). */
  factor: number;
}

/** Factors by slotKey; a slot without one runs at its profile. */
export type CapacityFactors = ReadonlyMap<string, CapacityFactor>;

export const slotKey = (s: CapacitySlot): string => `${s.node}/${s.accelerator}\u0000${s.app}\u0000${s.module}`;

export interface FactorConfig {
  floor: number;
  recover: number;
  minLoad: number;
  forget: number;
  forgetMs: number;
}

export const DEFAULT_FACTORS: FactorConfig = {
  floor: 0.1,
  recover: 1.25,
  minLoad: 0.5,
  forget: 0.95,
  forgetMs: 600_000,
};

/** A replica's measurement with where it runs and its part of the plan. */
export interface CapacityMeasure extends ReplicaMeasure {
  slot: CapacitySlot;
  /** Its share of the accelerator in the plan; undefined when unknown (no profile). */
  share?: number;
  /** The accelerator's fraction the plan left free (1 − its planned utilisation). */
  spare: number;
}

export interface FactorState {
  factors: CapacityFactors;
  /** Since when each derated slot has measured as recovered. */
  rising: Record<string, number>;
  changedAt: Record<string, number>;
  seenAt: Record<string, number>;
}

export const emptyFactorState = (): FactorState => ({ factors: new Map(), rising: {}, changedAt: {}, seenAt: {} });

export interface FactorChange extends CapacitySlot {
  from: number;
  to: number;
  reason: string;
}

const round = (x: number) => Math.round(x * 100) / 100;

/** The whole-accelerator capacity against the profile that a measurement shows, given the factor planned with. */
export function estimateFactor(m: CapacityMeasure, factor: number): number {
  if (!(m.plannedFps > 0)) return factor;
  const capacity = m.busy > 0 ? m.servedFps / m.busy : Infinity;
  const within = m.share !== undefined && m.share > 0 ? m.share / (m.share + Math.max(0, m.spare)) : 1;
  return (factor * capacity * within) / m.plannedFps;
}

export function factorDecisions(
  state: FactorState,
  measures: readonly CapacityMeasure[],
  fired: readonly CapacityDecision[],
  now: number,
  t: Pick<LoadTriggerConfig, 'sustainMs' | 'cooldownMs'>,
  busy: number,
  c: FactorConfig = DEFAULT_FACTORS,
): { state: FactorState; changes: FactorChange[] } {
  const factors = new Map(state.factors);
  const next: FactorState = { factors, rising: {}, changedAt: {}, seenAt: { ...state.seenAt } };
  for (const [k, at] of Object.entries(state.changedAt)) if (now - at < t.cooldownMs) next.changedAt[k] = at;
  const changes: FactorChange[] = [];
  const set = (slot: CapacitySlot, from: number, to: number, reason: string) => {
    const key = slotKey(slot);
    if (to >= c.forget) factors.delete(key);
    else factors.set(key, { ...slot, factor: to });
    next.changedAt[key] = now;
    changes.push({ ...slot, from: round(from), to: to >= c.forget ? 1 : round(to), reason });
  };
  const short = new Set(fired.map((d) => d.replica));
  for (const m of measures) {
    const key = slotKey(m.slot);
    next.seenAt[key] = now;
    const f = factors.get(key)?.factor ?? 1;
    const est = estimateFactor(m, f);
    const cooling = next.changedAt[key] !== undefined;
    if (short.has(m.replica)) {
      const to = Math.max(c.floor, est);
      if (to < f && !cooling) set(m.slot, f, to, `derated: ${describe(m)} gets ${round(to)} of its profile`);
      continue;
    }
    const recovered = f < 1 && m.busy < busy && m.servedFps >= c.minLoad * m.plannedFps && est >= c.recover * f;
    if (!recovered) continue;
    const from = state.rising[key] ?? now;
    next.rising[key] = from;
    if (now - from < t.sustainMs || cooling) continue;
    const to = Math.min(1, est);
    set(m.slot, f, to, `recovered: ${describe(m)} gets ${to >= c.forget ? 'all' : round(to)} of its profile`);
    delete next.rising[key];
  }
  for (const [key, x] of factors) {
    if (now - (next.seenAt[key] ?? now) < c.forgetMs) continue;
    set(x, x.factor, 1, `forgotten: ${x.app}/${x.module} on ${x.node}/${x.accelerator} unmeasured`);
  }
  for (const key of Object.keys(next.seenAt)) if (!factors.has(key)) delete next.seenAt[key];
  for (const key of factors.keys()) next.seenAt[key] ??= now;
  return { state: next, changes };
}

const describe = (m: CapacityMeasure) =>
  `${m.slot.app}/${m.slot.module} on ${m.slot.node}/${m.slot.accelerator} (busy ${round(m.busy)}, ` +
  `${round(m.servedFps)} of ${round(m.plannedFps)} planned fps)`;

/** The factors as a plan input (a change of factor re-plans): sorted, rounded to 1/100. */
export const factorsInput = (factors: CapacityFactors): string[] =>
  [...factors].map(([k, f]) => `${k}=${round(f.factor)}`).sort();
