/**
 * What `rim load` measured, from each frame's answer: sent, answered in
 * time (200 within the deployment's latency target), late, refused over the
 * admitted rate (429), unavailable (503), other answers, and the latency
 * percentiles of the 200s as the client saw them. Pure.
 */

/** One frame's answer: its HTTP status (0: no answer, the box did not respond) and round-trip ms. */
export interface FrameResult {
  status: number;
  ms: number;
}

export interface LoadSummary {
  sent: number;
  inTime: number;
  late: number;
  rateLimited: number;
  unavailable: number;
  other: number;
  noAnswer: number;
  /** Of the 200s, in ms; null without any. */
  latencyMs: { p50: number | null; p95: number | null; p99: number | null };
}

/** Nearest-rank percentile of sorted values; null when empty. */
export function percentile(sorted: readonly number[], q: number): number | null {
  if (!sorted.length) return null;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

export function summarise(results: readonly FrameResult[], latencyTargetMs: number): LoadSummary {
  const s: LoadSummary = {
    sent: results.length,
    inTime: 0,
    late: 0,
    rateLimited: 0,
    unavailable: 0,
    other: 0,
    noAnswer: 0,
    latencyMs: { p50: null, p95: null, p99: null },
  };
  const ok: number[] = [];
  for (const r of results) {
    if (r.status === 200) {
      ok.push(r.ms);
      if (r.ms <= latencyTargetMs) s.inTime++;
      else s.late++;
    } else if (r.status === 429) s.rateLimited++;
    else if (r.status === 503) s.unavailable++;
    else if (r.status === 0) s.noAnswer++;
    else s.other++;
  }
  ok.sort((a, b) => a - b);
  const round = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);
  s.latencyMs = {
    p50: round(percentile(ok, 0.5)),
    p95: round(percentile(ok, 0.95)),
    p99: round(percentile(ok, 0.99)),
  };
  return s;
}
