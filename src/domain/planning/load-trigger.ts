/**
 * When measured load should re-plan, with hysteresis. Pure: state in, state
 * out, time as an argument.
 *
 * - A deployment whose rate is `auto` is re-allocated when its measured
 *   arrival rate stays outside [low, high] × its allocation (0.8–1.0) for
 *   `sustainMs` (10 s, on top of the router's 10 s rate window), at most
 *   once per `cooldownMs` (30 s). The new allocation is the arrival rate
 *   times `headroom` (1.1) rounded up to `stepFps` (1 fps), at least one
 *   step, at most maxFps; a new allocation equal to the old one fires
 *   nothing. The headroom is what keeps it still: right after a change the
 *   arrival sits at most 1/1.1 of the allocation, so it must rise 10% to
 *   cross the top or fall 27% to cross the bottom. The top is the
 *   allocation itself because the router refuses (429) what arrives above
 *   it: a camera held inside a 1.1 band would lose up to a tenth of its
 *   frames for as long as it ran.
 * - A placed deployment whose SLO stays violated for `sustainMs` asks for a
 *   re-plan (same cooldown), whatever its rate.
 * A deployment without a measurement (no traffic) resets its timers.
 */
import { FPS_MIN } from '../deployment-limits.js';

export interface LoadTriggerConfig {
  low: number;
  high: number;
  /** An auto allocation is the arrival rate times this, rounded up. */
  headroom: number;
  sustainMs: number;
  cooldownMs: number;
  stepFps: number;
}

export const DEFAULT_LOAD_TRIGGER: LoadTriggerConfig = {
  low: 0.8,
  high: 1.0,
  headroom: 1.1,
  sustainMs: 10_000,
  cooldownMs: 30_000,
  stepFps: 1,
};

export interface LoadTarget {
  name: string;
  /** The current allocation (fps the plan holds). */
  fps: number;
  /** Set when the deployment's rate is `auto`. */
  maxFps?: number;
  /** Whether the plan places it (an SLO violation of a rejected one asks for nothing). */
  placed: boolean;
}

export interface LoadMeasure {
  /** Frames per second that arrived (admitted or not) over the router's window. */
  arrivalFps: number;
  sloViolated: boolean;
}

type Kind = 'high' | 'low' | 'slo';

export interface LoadTriggerState {
  /** Since when each deployment has been out of band or violating, and which way. */
  since: Record<string, { kind: Kind; from: number }>;
  lastFiredAt: Record<string, number>;
}

export const emptyLoadTriggerState = (): LoadTriggerState => ({ since: {}, lastFiredAt: {} });

export interface LoadDecision {
  deployment: string;
  kind: Kind;
  arrivalFps: number;
  allocation: number;
  /** The new allocation (auto rates only). */
  fps?: number;
  reason: string;
}

/** The arrival rate times the headroom, rounded up to a step, within [one step, maxFps]. */
export function autoAllocation(arrivalFps: number, maxFps: number, stepFps: number, headroom = 1): number {
  const up = Math.ceil((arrivalFps * headroom) / stepFps - 1e-9) * stepFps;
  return Math.min(maxFps, Math.max(stepFps, FPS_MIN, up));
}

function kindOf(t: LoadTarget, m: LoadMeasure, c: LoadTriggerConfig): Kind | undefined {
  if (t.maxFps !== undefined) {
    if (m.arrivalFps > c.high * t.fps && t.fps < t.maxFps) return 'high';
    if (m.arrivalFps < c.low * t.fps) return 'low';
  }
  if (t.placed && m.sloViolated) return 'slo';
  return undefined;
}

const round = (x: number) => Math.round(x * 10) / 10;

function describe(d: Omit<LoadDecision, 'reason'>, s: number, c: LoadTriggerConfig): string {
  if (d.kind === 'slo') return `load: ${d.deployment} SLO violated for ${s} s at ${round(d.arrivalFps)} fps arriving`;
  const bound = d.kind === 'high' ? (c.high === 1 ? 'above' : `above ${c.high}×`) : `below ${c.low}×`;
  return (
    `load: ${d.deployment} arrival ${round(d.arrivalFps)} fps ${bound} its allocation ${d.allocation} fps ` +
    `for ${s} s; allocation now ${d.fps} fps`
  );
}

export function loadDecisions(
  state: LoadTriggerState,
  targets: readonly LoadTarget[],
  measured: ReadonlyMap<string, LoadMeasure>,
  now: number,
  c: LoadTriggerConfig = DEFAULT_LOAD_TRIGGER,
): { state: LoadTriggerState; decisions: LoadDecision[] } {
  const next: LoadTriggerState = { since: {}, lastFiredAt: { ...state.lastFiredAt } };
  const decisions: LoadDecision[] = [];
  for (const t of targets) {
    const m = measured.get(t.name);
    const kind = m && kindOf(t, m, c);
    if (!m || !kind) continue;
    const prev = state.since[t.name];
    const from = prev && prev.kind === kind ? prev.from : now;
    next.since[t.name] = { kind, from };
    if (now - from < c.sustainMs) continue;
    const last = next.lastFiredAt[t.name];
    if (last !== undefined && now - last < c.cooldownMs) continue;
    const fps =
      t.maxFps !== undefined && kind !== 'slo'
        ? autoAllocation(m.arrivalFps, t.maxFps, c.stepFps, c.headroom)
        : undefined;
    if (fps !== undefined && fps === t.fps) continue;
    const base = { deployment: t.name, kind, arrivalFps: m.arrivalFps, allocation: t.fps, fps };
    decisions.push({ ...base, reason: describe(base, Math.round((now - from) / 1000), c) });
    next.lastFiredAt[t.name] = now;
    delete next.since[t.name];
  }
  for (const name of Object.keys(next.lastFiredAt)) {
    if (!targets.some((t) => t.name === name)) delete next.lastFiredAt[name];
  }
  return { state: next, decisions };
}
