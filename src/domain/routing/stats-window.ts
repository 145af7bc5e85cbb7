/**
 * One box's recent measurements of one deployment, in a form that merges
 * across boxes (what a box answers on the peer API), and the merge: counts
 * and rates add (per replica too: replica-load.ts); percentiles come from the union of the boxes' latency
 * samples (nearest rank), never from averaging the boxes' percentiles. Pure.
 */
import { nearestRank } from './latency-window.js';
import { OUTCOMES, type FrameOutcome, type MeasuredView, type StatsWindow } from './deployment-stats.js';
import { mergeReplicaWindows, type ReplicaWindow } from './replica-load.js';
import { sloState } from './slo.js';

export type { StatsWindow } from './deployment-stats.js';

export const emptyCounts = (): Record<FrameOutcome, number> => ({
  ok: 0,
  'rate-limited': 0,
  unavailable: 0,
  'deadline-missed': 0,
  refused: 0,
});

/** Sums windows; O(total samples · log) for the percentiles. */
export function mergeWindows(windows: readonly StatsWindow[]): StatsWindow {
  const counts = emptyCounts();
  let offeredFps = 0;
  let finishedFps = 0;
  const latencies: number[] = [];
  const byReplica = new Map<string, ReplicaWindow[]>();
  for (const w of windows) {
    for (const o of OUTCOMES) counts[o] += w.counts[o] ?? 0;
    offeredFps += w.offeredFps;
    finishedFps += w.finishedFps;
    for (const l of w.latencies) latencies.push(l);
    for (const [name, r] of Object.entries(w.replicas ?? {})) byReplica.set(name, [...(byReplica.get(name) ?? []), r]);
  }
  const merged = { counts, offeredFps, finishedFps, latencies };
  if (!byReplica.size) return merged;
  return { ...merged, replicas: Object.fromEntries([...byReplica].map(([n, ws]) => [n, mergeReplicaWindows(ws)])) };
}

/** What GET /v1/deployments shows for a (merged) window, against the deployment's targets. */
export function viewOf(w: StatsWindow, target: { fps: number; latencyMs: number }, boxes: number): MeasuredView {
  const seen = OUTCOMES.some((o) => w.counts[o] > 0);
  const sorted = Float64Array.from(w.latencies).sort();
  const pct = (p: number) => (sorted.length ? round(nearestRank(sorted, p)) : null);
  const p95 = sorted.length ? nearestRank(sorted, 95) : undefined;
  return {
    fps: seen ? round(w.finishedFps) : null,
    inputFps: seen ? round(w.offeredFps) : null,
    latencyMs: { p50: pct(50), p95: pct(95), p99: pct(99) },
    slo: sloState({
      fps: target.fps,
      latencyMs: target.latencyMs,
      offeredFps: w.offeredFps,
      finishedFps: w.finishedFps,
      ...(p95 !== undefined ? { p95 } : {}),
    }),
    frames: { ...w.counts },
    boxes,
    ...(w.replicas
      ? {
          replicas: Object.entries(w.replicas)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([replica, r]) => ({ replica, ...r, servedFps: round(r.servedFps), busy: round(r.busy) })),
        }
      : {}),
  };
}

const round = (v: number) => Math.round(v * 100) / 100;
