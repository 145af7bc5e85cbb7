/**
 * bench:testbed's arithmetic, pure: frames sent and answered per second,
 * how long a deployment took to be back within its SLO after an event, and
 * whether a re-plan moved a deployment's replicas.
 */
import { summarise, type FrameResult } from '../../src/cli/load/load-summary.js';
import type { Placement } from '../../src/domain/types.js';

/** One frame as the bench's load generator saw it: when it left (ms from the run's start), its answer. */
export interface SentFrame extends FrameResult {
  atMs: number;
}

export interface Second {
  /** Seconds from the run's start (the frames that left in [t, t+1)). */
  t: number;
  sent: number;
  inTime: number;
  /** The others: 200 after the target, 429 (over the admitted rate), 503, no answer (or another status). */
  late: number;
  rateLimited: number;
  unavailable: number;
  noAnswer: number;
  /** inTime / sent; null when nothing left in that second. */
  finish: number | null;
}

/** Frames per second of sending time, over [0, seconds). */
export function perSecond(frames: readonly SentFrame[], latencyMs: number, seconds: number): Second[] {
  const out: Second[] = Array.from({ length: seconds }, (_, t) => ({
    t,
    sent: 0,
    inTime: 0,
    late: 0,
    rateLimited: 0,
    unavailable: 0,
    noAnswer: 0,
    finish: null,
  }));
  for (const f of frames) {
    const s = out[Math.floor(f.atMs / 1000)];
    if (!s) continue;
    s.sent++;
    if (f.status === 200) {
      if (f.ms <= latencyMs) s.inTime++;
      else s.late++;
    } else if (f.status === 429) s.rateLimited++;
    else if (f.status === 503) s.unavailable++;
    else s.noAnswer++;
  }
  for (const s of out) s.finish = s.sent ? Math.round((s.inTime / s.sent) * 1000) / 1000 : null;
  return out;
}

/** Finish rate (frames answered within the target / frames sent) and the client's latency percentiles. */
export function finishOf(frames: readonly FrameResult[], latencyMs: number) {
  const s = summarise(frames, latencyMs);
  return { ...s, finish: s.sent ? Math.round((s.inTime / s.sent) * 10_000) / 10_000 : null };
}

/**
 * Seconds from `eventS` until the deployment was back within its SLO: the
 * start of the run of good seconds (finish ≥ `good`) that lasts to the end
 * of the series, if that run is at least `holdS` long. 0 when it never left;
 * null when it was not back (or not for long enough) by the end.
 */
export function backWithinSloS(series: readonly Second[], eventS: number, good = 0.99, holdS = 5): number | null {
  const after = series.filter((s) => s.t >= eventS && s.finish !== null);
  if (!after.length) return null;
  let lastBad = -1;
  after.forEach((s, i) => {
    if (s.finish! < good) lastBad = i;
  });
  if (after.length - (lastBad + 1) < holdS) return null;
  if (lastBad < 0) return 0;
  return after[lastBad + 1]!.t - eventS;
}

const key = (p: Placement) => `${p.module}/${p.variant ?? 'default'}@${p.node}/${p.accelerator}`;

/** Whether a deployment's replicas (module, variant, node, accelerator) differ between two plans. */
export function moved(before: readonly Placement[], after: readonly Placement[], deployment: string): boolean {
  const of = (ps: readonly Placement[]) =>
    ps
      .filter((p) => p.deployment === deployment)
      .map(key)
      .sort()
      .join(',');
  return of(before) !== of(after);
}
