/**
 * One replica's load as one router sees it, over a sliding window: frames it
 * served per second (calls answered) and its busy time, the fraction of wall
 * time with at least one of this router's calls in flight on it. Busy time
 * accrues at every call's start and end and at every read, into the slots of
 * a RateWindow (milliseconds busy per second / 1000). Time comes in as an
 * argument; O(1) per call. Pure.
 *
 * Across boxes (stats-window.ts) served rates add and busy fractions add up
 * to at most 1: an upper bound of the union of the boxes' busy intervals.
 */
import { RateWindow } from './rate-window.js';

/** One replica's load in the form that merges across boxes. */
export interface ReplicaWindow {
  node: string;
  module: string;
  /** Calls it answered per second over the window. */
  servedFps: number;
  /** Fraction (0–1) of the window with a call in flight on it. */
  busy: number;
}

export class ReplicaLoad {
  private inFlight = 0;
  private accruedAt = 0;
  private readonly served: RateWindow;
  private readonly busyMs: RateWindow;

  constructor(
    readonly node: string,
    readonly module: string,
    windowMs = 10_000,
  ) {
    this.served = new RateWindow(windowMs);
    this.busyMs = new RateWindow(windowMs);
  }

  /** A call to this replica left. */
  started(now: number): void {
    this.accrue(now);
    this.inFlight++;
  }

  /** A call to this replica came back; `answered`: with its output (not an error or timeout). */
  ended(now: number, answered: boolean): void {
    this.accrue(now);
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (answered) this.served.record(now);
  }

  /** Whether it did anything over the window ending at `now` (or has a call in flight). */
  active(now: number): boolean {
    return this.inFlight > 0 || this.busyMs.count(now) > 0 || this.served.count(now) > 0;
  }

  window(now: number): ReplicaWindow {
    this.accrue(now);
    return {
      node: this.node,
      module: this.module,
      servedFps: this.served.perSecond(now),
      busy: Math.min(1, this.busyMs.perSecond(now) / 1000),
    };
  }

  private accrue(now: number): void {
    if (this.inFlight > 0 && now > this.accruedAt) this.busyMs.record(now, now - this.accruedAt);
    this.accruedAt = Math.max(this.accruedAt, now);
  }
}

/** Sums one replica's windows from several boxes: rates add, busy fractions add up to 1. */
export function mergeReplicaWindows(ws: readonly ReplicaWindow[]): ReplicaWindow {
  const first = ws[0]!;
  let servedFps = 0;
  let busy = 0;
  for (const w of ws) {
    servedFps += w.servedFps;
    busy += w.busy;
  }
  return { node: first.node, module: first.module, servedFps, busy: Math.min(1, busy) };
}
