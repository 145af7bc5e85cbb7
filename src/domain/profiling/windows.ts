/**
 * Measurement windows and the stability rule (perf_analyzer's): a load level
 * counts once the last `count` windows agree, in throughput and in median
 * latency, within `tolerancePct` of their mean. Samples that completed
 * before the first window (warm-up) never enter a window.
 */
import { summarizeLatencies, type LatencySummary } from './percentiles.js';

/** One request as the load generator saw it (times in ms on one clock). */
export interface RequestSample {
  sentAt: number;
  doneAt: number;
  ok: boolean;
  /** HTTP status when an answer came. */
  status?: number;
  /** Why it failed: `timeout`, `ECONNREFUSED`, `HTTP 500`… */
  error?: string;
}

export interface WindowStats {
  startMs: number;
  endMs: number;
  /** Requests sent in the window (open loop: the offered load). */
  sent: number;
  /** Successful completions in the window. */
  completed: number;
  errors: number;
  /** Errors that say "too slow" (a deadline passed, a frame dropped), not "broken". */
  timeouts: number;
  /** Successful completions per second. */
  throughput: number;
  /** Sent per second. */
  offeredRate: number;
  errorRate: number;
  /** The most frequent error text in the window, if any. */
  topError?: string;
  latency: LatencySummary;
  /** Raw successful latencies, kept so windows can be pooled exactly. */
  latencies: number[];
}

/** Stats of the samples that completed in [startMs, endMs). */
export function summarizeWindow(samples: readonly RequestSample[], startMs: number, endMs: number): WindowStats {
  const span = Math.max(1, endMs - startMs);
  const done = samples.filter((s) => s.doneAt >= startMs && s.doneAt < endMs);
  const sent = samples.filter((s) => s.sentAt >= startMs && s.sentAt < endMs).length;
  const ok = done.filter((s) => s.ok);
  const errs = done.filter((s) => !s.ok);
  const latencies = ok.map((s) => s.doneAt - s.sentAt);
  return {
    startMs,
    endMs,
    sent,
    completed: ok.length,
    errors: errs.length,
    timeouts: errs.filter((s) => isOverloadError(s.error)).length,
    throughput: (ok.length * 1000) / span,
    offeredRate: (sent * 1000) / span,
    errorRate: done.length ? errs.length / done.length : 0,
    topError: mostFrequent(errs.map((s) => s.error ?? 'error')),
    latency: summarizeLatencies(latencies),
    latencies,
  };
}

/** Pools windows into one: totals over the summed span, percentiles over all latencies. */
export function mergeWindows(ws: readonly WindowStats[]): WindowStats {
  if (ws.length === 0) throw new Error('mergeWindows: no windows');
  const span = ws.reduce((s, w) => s + Math.max(1, w.endMs - w.startMs), 0);
  const completed = ws.reduce((s, w) => s + w.completed, 0);
  const errors = ws.reduce((s, w) => s + w.errors, 0);
  const timeouts = ws.reduce((s, w) => s + w.timeouts, 0);
  const sent = ws.reduce((s, w) => s + w.sent, 0);
  const latencies = ws.flatMap((w) => w.latencies);
  return {
    startMs: ws[0]!.startMs,
    endMs: ws[ws.length - 1]!.endMs,
    sent,
    completed,
    errors,
    timeouts,
    throughput: (completed * 1000) / span,
    offeredRate: (sent * 1000) / span,
    errorRate: completed + errors ? errors / (completed + errors) : 0,
    topError: mostFrequent(ws.flatMap((w) => (w.topError ? [w.topError] : []))),
    latency: summarizeLatencies(latencies),
    latencies,
  };
}

export interface StabilityRule {
  /** How many trailing windows must agree (perf_analyzer: 3). */
  count: number;
  /** Allowed spread around their mean, in percent (perf_analyzer: 10). */
  tolerancePct: number;
}

export const DEFAULT_STABILITY: StabilityRule = { count: 3, tolerancePct: 10 };

/**
 * True when the last `count` windows agree in throughput and in p50 latency.
 * `latencyOnly`: at a fixed arrival rate (open loop) a window's throughput is
 * the schedule's, not a measurement, so only latency must settle.
 */
export function isStable(
  ws: readonly WindowStats[],
  rule: StabilityRule = DEFAULT_STABILITY,
  latencyOnly = false,
): boolean {
  if (ws.length < rule.count) return false;
  const last = ws.slice(-rule.count);
  if (last.some((w) => w.completed === 0)) return false;
  return (
    (latencyOnly ||
      withinTolerance(
        last.map((w) => w.throughput),
        rule.tolerancePct,
      )) &&
    withinTolerance(
      last.map((w) => w.latency.p50),
      rule.tolerancePct,
    )
  );
}

/** Every value within ±pct% of the values' mean. */
export function withinTolerance(values: readonly number[], pct: number): boolean {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  if (!Number.isFinite(mean)) return false;
  if (mean === 0) return values.every((v) => v === 0);
  return values.every((v) => Math.abs(v - mean) <= (Math.abs(mean) * pct) / 100);
}

/** A deadline that passed or a frame dropped for too many outstanding: the load is too high, the module not broken. */
export function isOverloadError(error: string | undefined): boolean {
  return !!error && (/timeout$/.test(error) || error.startsWith('dropped'));
}

function mostFrequent(xs: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  let best: string | undefined;
  let n = 0;
  for (const [k, c] of counts)
    if (c > n) {
      best = k;
      n = c;
    }
  return best;
}
