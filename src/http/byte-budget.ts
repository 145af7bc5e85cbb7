/**
 * A cap on the bytes of request bodies held in memory at once, across all
 * requests of one kind (frames, peer messages). A body that would pass the
 * cap is refused before (or while) it is read, so that many concurrent
 * large bodies cost at most the cap, never their sum.
 */
export class ByteBudget {
  private used = 0;

  constructor(readonly capacity: number) {}

  get inUse(): number {
    return this.used;
  }

  /** Takes `n` bytes; false (and nothing taken) when that would pass the cap. */
  take(n: number): boolean {
    if (n < 0 || this.used + n > this.capacity) return false;
    this.used += n;
    return true;
  }

  give(n: number): void {
    this.used = Math.max(0, this.used - n);
  }
}
