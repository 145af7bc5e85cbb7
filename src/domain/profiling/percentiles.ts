/**
 * Latency percentiles as perf_analyzer reports them: nearest-rank on the
 * sorted sample, so p99 of 100 samples is the 99th value, never an
 * interpolation between two frames that did not happen.
 */

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile (0 < p ≤ 100) of an ascending array; NaN when empty. */
export function percentile(sortedAsc: readonly number[], p: number): number {
  if (sortedAsc.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sortedAsc.length);
  const i = Math.min(sortedAsc.length - 1, Math.max(0, rank - 1));
  return sortedAsc[i]!;
}

/** Summary of latencies in ms (any order). */
export function summarizeLatencies(latenciesMs: readonly number[]): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const sum = sorted.reduce((s, v) => s + v, 0);
  return {
    count: sorted.length,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

/** Rounds for storage and display: 2 decimals is finer than any clock we read. */
export function roundLatency(s: LatencySummary): LatencySummary {
  const r = (v: number): number => (Number.isFinite(v) ? Math.round(v * 100) / 100 : v);
  return { count: s.count, mean: r(s.mean), p50: r(s.p50), p95: r(s.p95), p99: r(s.p99), max: r(s.max) };
}
