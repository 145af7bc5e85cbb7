/**
 * The load search as data: given the levels measured so far, which level to
 * measure next, or the outcome. Closed loop first (1, 2, 4… requests in
 * flight) until throughput stops growing or latency passes the bound; then
 * open loop at fixed arrival rates: a light rate for the light-load latency,
 * then a rate just under the closed-loop peak to confirm it is sustained
 * (bisecting down when it is not).
 */
import type { WindowStats } from './windows.js';

export type LoadLevel = { mode: 'closed'; concurrency: number } | { mode: 'open'; rate: number };

/** One measured level: the pooled stats of its last stable (or last) windows. */
export interface LevelResult {
  level: LoadLevel;
  stable: boolean;
  /** Frames timed out or were dropped: past what the module sustains, whatever the latencies of the rest say. */
  overloaded?: boolean;
  windows: number;
  stats: WindowStats;
}

export interface SearchOptions {
  /** Latency bound (ms) on p95: a level above it ends the closed-loop climb. */
  latencyBoundMs: number;
  /** Throughput must grow by more than this (percent) for the climb to go on. */
  growthPct: number;
  maxConcurrency: number;
  /** Light load, as a share of the closed-loop peak. */
  lightShare: number;
  /** The open-loop rate that confirms the peak, as a share of it. */
  confirmShare: number;
  /** An open-loop level is sustained when it completes this share (percent) of what was offered. */
  sustainPct: number;
  /** Open-loop bisection steps after a failed confirmation. */
  maxBisections: number;
  /** Lowest open-loop rate tried (frames/s). */
  minRate: number;
  /** Extra measurements of a level that looks disturbed (unstable light load, failed confirmation, a dip). */
  retries: number;
  /** A closed-loop level this many percent below a lower concurrency's throughput counts as disturbed. */
  dropPct: number;
}

export const DEFAULT_SEARCH: SearchOptions = {
  latencyBoundMs: 1000,
  growthPct: 5,
  maxConcurrency: 16,
  lightShare: 0.3,
  confirmShare: 0.9,
  sustainPct: 95,
  maxBisections: 2,
  minRate: 0.5,
  retries: 1,
  dropPct: 10,
};

export type StopReason = 'plateau' | 'latency-bound' | 'max-concurrency';

export interface SearchOutcome {
  /** The highest frame rate sustained (frames/s). */
  maxFps: number;
  /** Peak closed-loop throughput within the latency bound. */
  closedPeakFps: number;
  stopReason: StopReason;
  /** True when even one request at a time exceeds the latency bound. */
  overBound: boolean;
  light?: LevelResult;
  atMax?: LevelResult;
}

export type SearchDecision = { next: LoadLevel } | { done: SearchOutcome };

const closedOf = (h: readonly LevelResult[]) =>
  h.filter((r): r is LevelResult & { level: { mode: 'closed'; concurrency: number } } => r.level.mode === 'closed');
const openOf = (h: readonly LevelResult[]) =>
  h.filter((r): r is LevelResult & { level: { mode: 'open'; rate: number } } => r.level.mode === 'open');

/** Why the closed-loop climb stops after `closed`, or undefined to go on. */
export function closedStop(closed: readonly LevelResult[], o: SearchOptions): StopReason | undefined {
  const last = closed[closed.length - 1];
  if (!last || last.level.mode !== 'closed') return undefined;
  if (last.overloaded || last.stats.latency.p95 > o.latencyBoundMs) return 'latency-bound';
  if (closed.length >= 2) {
    const before = Math.max(...closed.slice(0, -1).map((r) => r.stats.throughput));
    if (last.stats.throughput <= before * (1 + o.growthPct / 100)) return 'plateau';
  }
  if (last.level.concurrency >= o.maxConcurrency) return 'max-concurrency';
  return undefined;
}

/**
 * An open-loop level is sustained when it kept up with the offered rate
 * within the bound. Window-to-window agreement is not asked for: a queue
 * that builds shows as completions falling behind the offered rate, while
 * latency noise from a shared box would otherwise refuse honest rates.
 */
export function isSustained(r: LevelResult, o: SearchOptions): boolean {
  if (r.level.mode !== 'open' || r.overloaded) return false;
  return r.stats.throughput >= (r.level.rate * o.sustainPct) / 100 && r.stats.latency.p95 <= o.latencyBoundMs;
}

/** One result per concurrency (its best measurement), by rising concurrency. */
function bestPerConcurrency(closed: readonly LevelResult[]): LevelResult[] {
  const best = new Map<number, LevelResult>();
  for (const r of closed) {
    if (r.level.mode !== 'closed') continue;
    const b = best.get(r.level.concurrency);
    if (!b || r.stats.throughput > b.stats.throughput) best.set(r.level.concurrency, r);
  }
  return [...best.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
}

const triesAt = (h: readonly LevelResult[], l: LoadLevel): number =>
  h.filter(
    (r) =>
      (r.level.mode === 'closed' && l.mode === 'closed' && r.level.concurrency === l.concurrency) ||
      (r.level.mode === 'open' && l.mode === 'open' && r.level.rate === l.rate),
  ).length;

export function nextLoad(history: readonly LevelResult[], o: SearchOptions = DEFAULT_SEARCH): SearchDecision {
  const closed = closedOf(history);
  const open = openOf(history);
  const last = closed[closed.length - 1];
  if (!last) return { next: { mode: 'closed', concurrency: 1 } };
  const effective = bestPerConcurrency(closed);
  const stop = closedStop(effective, o);
  if (open.length === 0) {
    // More frames in flight never slow a healthy server down: a level well
    // below a lower one was disturbed (a shared box), so measure it again.
    const lowerBest = Math.max(
      0,
      ...closed.filter((r) => r.level.concurrency < last.level.concurrency).map((r) => r.stats.throughput),
    );
    const dipped =
      last.stats.throughput < lowerBest * (1 - o.dropPct / 100) && last.stats.latency.p95 <= o.latencyBoundMs;
    if (dipped && triesAt(closed, last.level) <= o.retries) return { next: last.level };
    if (!stop) return { next: { mode: 'closed', concurrency: Math.min(o.maxConcurrency, last.level.concurrency * 2) } };
  }

  const withinBound = closed.filter((r) => !r.overloaded && r.stats.latency.p95 <= o.latencyBoundMs);
  const overBound = withinBound.length === 0;
  const peak = Math.max(...(overBound ? [closed[0]!] : withinBound).map((r) => r.stats.throughput));
  const stopReason = stop ?? 'plateau';
  if (peak <= 0) return { done: { maxFps: 0, closedPeakFps: 0, stopReason, overBound } };

  // Light load, measured again once when its windows never agreed.
  const lightLevel: LoadLevel = { mode: 'open', rate: roundRate(Math.max(o.minRate, peak * o.lightShare)) };
  const lights = open.filter((r) => r.level.rate === lightLevel.rate);
  const light = lights.find((r) => r.stable) ?? (lights.length > o.retries ? lights[lights.length - 1] : undefined);
  if (!light) return { next: lightLevel };

  // The peak, confirmed at a fixed arrival rate just under it; a failed
  // confirmation is measured again once before the search bisects down.
  const confirmLevel: LoadLevel = { mode: 'open', rate: roundRate(Math.max(lightLevel.rate, peak * o.confirmShare)) };
  const confirms = open.filter((r) => r.level.rate === confirmLevel.rate);
  const confirmed = confirms.find((r) => isSustained(r, o));
  if (confirmed) return { done: { maxFps: peak, closedPeakFps: peak, stopReason, overBound, light, atMax: confirmed } };
  if (confirms.length <= o.retries) return { next: confirmLevel };

  // Not sustained: bisect between the highest sustained rate and the lowest failed one.
  const sustained = open.filter((r) => isSustained(r, o));
  const failed = open.filter((r) => !isSustained(r, o) && r.level.rate > lightLevel.rate);
  const best = sustained.reduce<(typeof open)[number] | undefined>(
    (b, r) => (!b || r.level.rate > b.level.rate ? r : b),
    undefined,
  );
  const lowestFail = Math.min(...failed.map((r) => r.level.rate));
  const bisections = open.filter((r) => r.level.rate !== lightLevel.rate && r.level.rate !== confirmLevel.rate).length;
  if (best && bisections < o.maxBisections && lowestFail - best.level.rate > o.minRate) {
    return { next: { mode: 'open', rate: roundRate((best.level.rate + lowestFail) / 2) } };
  }
  const atMax = best ?? light;
  return { done: { maxFps: atMax.stats.throughput, closedPeakFps: peak, stopReason, overBound, light, atMax } };
}

const roundRate = (r: number): number => Math.round(r * 100) / 100;
