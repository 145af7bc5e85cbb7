/**
 * What the router measures for one deployment: outcome counters, recent
 * latencies (percentiles), finish and offered rates over a sliding window,
 * and a cumulative latency histogram for Prometheus. O(1)-ish per frame, no
 * allocation; time comes in as an argument. Pure.
 */
import { LatencyWindow } from './latency-window.js';
import { RateWindow } from './rate-window.js';
import type { ReplicaWindow } from './replica-load.js';
import { sloState, type SloState } from './slo.js';

/** How a frame ended. */
export type FrameOutcome =
  | 'ok'
  /** 429: over the admitted rate. */
  | 'rate-limited'
  /** 503: no replica could take it (none running, refused, 5xx). */
  | 'unavailable'
  /** 503: its deadline passed before the sinks answered. */
  | 'deadline-missed'
  /** A module refused the input (4xx): the frame is the client's problem. */
  | 'refused';

export const OUTCOMES: readonly FrameOutcome[] = ['ok', 'rate-limited', 'unavailable', 'deadline-missed', 'refused'];

/** Upper bounds (ms) of the latency histogram's buckets; +Inf is implied. */
export const LATENCY_BUCKETS_MS: readonly number[] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** One box's recent measurements of one deployment, in the form that merges across boxes (stats-window.ts). */
export interface StatsWindow {
  /** Frames by outcome since the box started routing this deployment. */
  counts: Record<FrameOutcome, number>;
  /** Frames per second that arrived (admitted or not) over the window. */
  offeredFps: number;
  /** Frames per second finished over the window. */
  finishedFps: number;
  /** End-to-end latencies (ms) of the most recent finished frames. */
  latencies: number[];
  /** The replicas this deployment's frames went to, by replica name: each one's whole load (replica-load.ts). */
  replicas?: Record<string, ReplicaWindow>;
}

/** One replica's measured load as GET /v1/deployments/{name} shows it. */
export interface MeasuredReplica extends ReplicaWindow {
  replica: string;
}

export interface MeasuredView {
  /** Frames finished per second over the window; null before any frame. */
  fps: number | null;
  /** Frames per second that arrived (admitted or not) over the window; null before any frame. */
  inputFps: number | null;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null };
  slo: SloState;
  /** Frames by outcome since routing began (summed over the boxes when merged). */
  frames?: Record<FrameOutcome, number>;
  /** How many boxes' measurements this view merges. */
  boxes?: number;
  /** Per replica its frames served per second and busy fraction over the window (all boxes' calls). */
  replicas?: MeasuredReplica[];
}

export interface StatsOptions {
  windowMs?: number;
  latencySamples?: number;
  /** Window of the arrival rate that cluster admission shares follow (short, so shares follow moves). */
  arrivalWindowMs?: number;
}

const RECENT_MS = 1000;
const RECENT_MIN = 3;
const RISE = 1.5;

export class DeploymentStats {
  readonly counts: Record<FrameOutcome, number> = {
    ok: 0,
    'rate-limited': 0,
    unavailable: 0,
    'deadline-missed': 0,
    refused: 0,
  };
  /** Cumulative per LATENCY_BUCKETS_MS bound (Prometheus `le`), plus +Inf last. */
  readonly buckets = new Float64Array(LATENCY_BUCKETS_MS.length + 1);
  latencySumMs = 0;
  private readonly latencies: LatencyWindow;
  private readonly finished: RateWindow;
  private readonly offered: RateWindow;
  private readonly arrivals: RateWindow;
  /** The last second of arrivals: a stream that starts or rises is read from it (arrivalFps). */
  private readonly recentArrivals = new RateWindow(RECENT_MS, 4);
  /** Names of the replicas its frames went to (RouterStats keeps their loads). */
  readonly replicas = new Set<string>();

  constructor(opts: StatsOptions = {}) {
    this.latencies = new LatencyWindow(opts.latencySamples ?? 1024);
    this.finished = new RateWindow(opts.windowMs ?? 10_000);
    this.offered = new RateWindow(opts.windowMs ?? 10_000);
    this.arrivals = new RateWindow(opts.arrivalWindowMs ?? 3000, 12);
  }

  /** A frame arrived (before admission). */
  arrived(now: number): void {
    this.offered.record(now);
    this.arrivals.record(now);
    this.recentArrivals.record(now);
  }

  /**
   * Frames per second arriving here lately (the short window): what admission shares follow. A stream
   * that starts within the window of an earlier frame (a probe, a client moving back from another box)
   * reads as if it began with that frame: 20 fps read ~3 fps half a second in, and the share that
   * followed refused a third of its frames. So a rise is read from the last second alone once it holds
   * RECENT_MIN frames and reads RISE times the window's rate; a steady stream's noise never does.
   */
  arrivalFps(now: number): number {
    const windowed = this.arrivals.perSecond(now);
    if (this.recentArrivals.count(now) < RECENT_MIN) return windowed;
    const recent = this.recentArrivals.perSecond(now);
    return recent > RISE * windowed ? recent : windowed;
  }

  /** This box's measurements in the mergeable form (the peer API's answer). */
  window(now: number): StatsWindow {
    return {
      counts: { ...this.counts },
      offeredFps: this.offered.perSecond(now),
      finishedFps: this.finished.perSecond(now),
      latencies: this.latencies.values(),
    };
  }

  /** A frame ended; `latencyMs` is from arrival to answer (latencies of finished frames only feed the percentiles). */
  ended(now: number, outcome: FrameOutcome, latencyMs: number): void {
    this.counts[outcome]++;
    if (outcome !== 'ok') return;
    this.finished.record(now);
    this.latencies.record(latencyMs);
    this.latencySumMs += latencyMs;
    for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) if (latencyMs <= LATENCY_BUCKETS_MS[i]!) this.buckets[i]!++;
    this.buckets[LATENCY_BUCKETS_MS.length]!++;
  }

  /** What GET /v1/deployments shows, against the deployment's targets. */
  view(now: number, target: { fps: number; latencyMs: number }): MeasuredView {
    const p = this.latencies.percentiles();
    const finishedFps = this.finished.perSecond(now);
    const offeredFps = this.offered.perSecond(now);
    const seen =
      this.counts.ok +
        this.counts.unavailable +
        this.counts['deadline-missed'] +
        this.counts.refused +
        this.counts['rate-limited'] >
      0;
    return {
      fps: seen ? round(finishedFps) : null,
      inputFps: seen ? round(offeredFps) : null,
      latencyMs: { p50: p ? round(p.p50) : null, p95: p ? round(p.p95) : null, p99: p ? round(p.p99) : null },
      slo: sloState({
        fps: target.fps,
        latencyMs: target.latencyMs,
        offeredFps,
        finishedFps,
        ...(p ? { p95: p.p95 } : {}),
      }),
    };
  }
}

const round = (v: number) => Math.round(v * 100) / 100;
