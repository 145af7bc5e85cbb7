/**
 * Admission at a deployment's admitted rate: a token bucket that refills at
 * `ratePerS` tokens per second up to `burst` tokens and starts full. Time is
 * passed in (epoch or any monotonic ms), so the refill math is testable.
 */
export type Admission = { ok: true } | { ok: false; retryAfterMs: number };

const ADMITTED: Admission = { ok: true };

export class TokenBucket {
  private tokens: number;
  private last: number | undefined;

  /** `minBurst`: the least burst a retune keeps (retune's burst is max(minBurst, rate / 2)). */
  constructor(
    public ratePerS: number,
    public burst: number,
    private readonly minBurst = 1,
  ) {
    if (!(ratePerS > 0)) throw new RangeError(`token bucket rate must be > 0 (got ${ratePerS})`);
    if (!(burst >= 1)) throw new RangeError(`token bucket burst must be >= 1 (got ${burst})`);
    this.tokens = burst;
  }

  /** The burst Rim allows a deployment at `fps`: half a second of frames, at least one frame. */
  static forFps(fps: number, minBurst = 1): TokenBucket {
    return new TokenBucket(fps, Math.max(minBurst, fps / 2), minBurst);
  }

  /**
   * Changes the rate (a box's share of a cluster-wide rate moves as frames
   * move): tokens earned so far are kept, up to the new burst, so a retune
   * never mints a fresh burst.
   */
  retune(ratePerS: number, now: number): void {
    if (!(ratePerS > 0)) throw new RangeError(`token bucket rate must be > 0 (got ${ratePerS})`);
    this.refill(now);
    this.ratePerS = ratePerS;
    this.burst = Math.max(this.minBurst, ratePerS / 2);
    this.tokens = Math.min(this.tokens, this.burst);
  }

  /** Tokens available at `now` (refills, takes nothing). */
  available(now: number): number {
    this.refill(now);
    return this.tokens;
  }

  /** Takes one token if there is one; otherwise says how long until there is. */
  take(now: number): Admission {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return ADMITTED;
    }
    return { ok: false, retryAfterMs: ((1 - this.tokens) * 1000) / this.ratePerS };
  }

  private refill(now: number): void {
    if (this.last !== undefined && now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.ratePerS) / 1000);
    }
    // A clock that steps back never mints tokens; it only moves the reference.
    this.last = this.last === undefined || now > this.last ? now : this.last;
  }
}
