/**
 * Events per second over a sliding window (finish rate, offered rate): the
 * window is cut into fixed slots, each counting the events that fell in it,
 * so a record is O(1) and a read O(slots). Time is passed in (ms).
 *
 * While traffic is younger than the window, the rate is over the time since
 * it began (its gaps, not its age: see youngRate), so a stream that just
 * started is read neither slow nor fast.
 */
export class RateWindow {
  private readonly counts: Float64Array;
  /** The slot number (time / slotMs) each entry of `counts` belongs to. */
  private readonly slots: Float64Array;
  private readonly slotMs: number;
  private since: number | undefined;
  private lastAt = -Infinity;

  constructor(
    readonly windowMs = 10_000,
    slotCount = 40,
  ) {
    if (!(windowMs > 0) || !(slotCount >= 1)) throw new RangeError('rate window needs windowMs > 0 and slotCount >= 1');
    this.slotMs = windowMs / slotCount;
    this.counts = new Float64Array(slotCount);
    this.slots = new Float64Array(slotCount).fill(-1);
  }

  record(now: number, n = 1): void {
    // Traffic after a window of silence starts a new period.
    if (this.since === undefined || now - this.lastAt > this.windowMs) this.since = now;
    this.lastAt = Math.max(this.lastAt, now);
    const slot = Math.floor(now / this.slotMs);
    const i = slot % this.counts.length;
    if (this.slots[i] !== slot) {
      this.slots[i] = slot;
      this.counts[i] = 0;
    }
    this.counts[i]! += n;
  }

  /** Events in the window ending at `now`. */
  count(now: number): number {
    const newest = Math.floor(now / this.slotMs);
    const oldest = newest - this.counts.length + 1;
    let sum = 0;
    for (let i = 0; i < this.counts.length; i++) {
      const s = this.slots[i]!;
      if (s >= oldest && s <= newest) sum += this.counts[i]!;
    }
    return sum;
  }

  /**
   * Events per second at `now`; 0 when the window is empty. Over the time
   * the counted slots cover (the newest one only up to `now`), not the whole
   * window: dividing by the window would read a steady stream up to one slot
   * slow, and admission shares that follow the reading would refuse frames.
   */
  perSecond(now: number): number {
    const n = this.count(now);
    if (n === 0 || this.since === undefined) return 0;
    const oldest = Math.floor(now / this.slotMs) - this.counts.length + 1;
    const covered = Math.max(this.slotMs, now - oldest * this.slotMs);
    const age = now - this.since;
    if (age >= covered) return (n * 1000) / covered;
    return (this.youngRate(n, age) ?? n / Math.max(this.slotMs, age)) * 1000;
  }

  /**
   * A stream younger than the window, per ms: n events from its first one, so
   * n − 1 gaps. Over max(first→last, age − one mean gap): exact for a steady
   * stream at every phase (n over the age read it up to a gap fast: 5.5 fps
   * for 5 two seconds in, and the load trigger sized allocations on that),
   * and decaying once it stops. Undefined within the first slot.
   */
  private youngRate(n: number, age: number): number | undefined {
    if (n < 2) return undefined;
    const first = this.lastAt - this.since!;
    const span = Math.max(first, age - first / (n - 1));
    return span < this.slotMs ? undefined : (n - 1) / span;
  }
}
