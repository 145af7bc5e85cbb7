/**
 * The recent end-to-end latencies of one deployment: a fixed ring buffer
 * (no allocation per frame) whose percentiles are computed on read, by the
 * nearest-rank method, over the last `capacity` frames.
 */
export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

export class LatencyWindow {
  private readonly ring: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(readonly capacity = 1024) {
    if (!(capacity >= 1)) throw new RangeError('latency window capacity must be >= 1');
    this.ring = new Float64Array(capacity);
  }

  get count(): number {
    return this.filled;
  }

  record(ms: number): void {
    this.ring[this.next] = ms;
    this.next = (this.next + 1) % this.capacity;
    if (this.filled < this.capacity) this.filled++;
  }

  /** What the window holds, oldest first, rounded to 0.01 ms (a copy). */
  values(): number[] {
    const out: number[] = new Array(this.filled);
    const start = this.filled < this.capacity ? 0 : this.next;
    for (let i = 0; i < this.filled; i++) out[i] = Math.round(this.ring[(start + i) % this.capacity]! * 100) / 100;
    return out;
  }

  /** Nearest-rank percentiles of what the window holds; undefined when empty. */
  percentiles(): Percentiles | undefined {
    if (this.filled === 0) return undefined;
    const sorted = this.ring.slice(0, this.filled).sort();
    return { p50: nearestRank(sorted, 50), p95: nearestRank(sorted, 95), p99: nearestRank(sorted, 99) };
  }
}

/** The smallest value with at least p% of the values at or below it (`sorted` ascending, non-empty). */
export function nearestRank(sorted: ArrayLike<number>, p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}
