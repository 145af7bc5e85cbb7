/**
 * Smooth weighted round-robin (nginx's upstream algorithm): every pick adds
 * each peer's weight to its running score, takes the highest score and
 * subtracts the total weight from it. Picks follow the weights exactly over
 * each cycle and interleave (5:1:1 gives a a b a c a a, not a a a a a b c).
 * O(peers) per pick, no allocation. Pure: no clock, no I/O.
 */
export class SmoothWeightedRoundRobin {
  private readonly weights: Float64Array;
  private readonly current: Float64Array;

  /** Weights ≤ 0 (or NaN) are never picked. */
  constructor(weights: readonly number[]) {
    this.weights = Float64Array.from(weights, (w) => (w > 0 ? w : 0));
    this.current = new Float64Array(weights.length);
  }

  get size(): number {
    return this.weights.length;
  }

  /**
   * The index of the next peer, or -1 when none has weight. `skip` (an index)
   * leaves one peer out of this pick, e.g. the replica that just failed the frame.
   */
  pick(skip = -1): number {
    let total = 0;
    let best = -1;
    for (let i = 0; i < this.weights.length; i++) {
      const w = this.weights[i]!;
      if (w === 0 || i === skip) continue;
      this.current[i]! += w;
      total += w;
      if (best < 0 || this.current[i]! > this.current[best]!) best = i;
    }
    if (best >= 0) this.current[best]! -= total;
    return best;
  }
}
