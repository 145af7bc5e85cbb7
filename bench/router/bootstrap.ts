/**
 * A confidence interval for the added p99 of an interleaved window: direct's
 * frame i and the proxy's frame i were due 1/(2·rate) apart, so they form a
 * pair that met the same moment of the box. A moving-block bootstrap over
 * the pairs (blocks of consecutive pairs, wrapping round, so a burst of the
 * box's noise that spans several frames stays together) resamples the window
 * `resamples` times and takes the added p99 (p99 of the proxy's frames − p99
 * of direct's, the bench's own estimator) of each; the interval is their
 * 2.5th and 97.5th percentiles. Seeded: the same samples and seed give the
 * same interval.
 */

import { rng } from '../../src/domain/placement/workload-gen.js';

export interface AddedCi {
  /** The added p99 of the window itself (ms). */
  added: number;
  /** 95% bootstrap interval of the added p99 (ms). */
  lo: number;
  hi: number;
  /** Pairs used (frames both paths answered). */
  pairs: number;
  blockPairs: number;
  resamples: number;
  seed: number;
}

/** The bench's percentile: the ceil(q% × n)-th smallest (p99 of 1000 = the 10th worst). */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  return n ? sorted[Math.min(n - 1, Math.max(0, Math.ceil((q / 100) * n) - 1))]! : NaN;
}

/**
 * `direct[i]` and `proxy[i]`: the latencies (ms) of the window's i-th pair in
 * due order; NaN for a frame not answered (its pair is left out).
 */
export function addedP99Ci(
  direct: readonly number[],
  proxy: readonly number[],
  opts: { seed: number; resamples?: number; blockPairs?: number; q?: number },
): AddedCi {
  const q = opts.q ?? 99;
  const resamples = opts.resamples ?? 2000;
  const d: number[] = [];
  const x: number[] = [];
  for (let i = 0; i < Math.min(direct.length, proxy.length); i++) {
    if (Number.isFinite(direct[i]) && Number.isFinite(proxy[i])) {
      d.push(direct[i]!);
      x.push(proxy[i]!);
    }
  }
  const n = d.length;
  const blockPairs = Math.max(1, Math.min(opts.blockPairs ?? 50, n));
  const sortedCopy = (a: readonly number[]) => Float64Array.from(a).sort();
  const added = percentile(sortedCopy(x), q) - percentile(sortedCopy(d), q);
  if (n === 0) return { added: NaN, lo: NaN, hi: NaN, pairs: 0, blockPairs, resamples, seed: opts.seed };
  const rnd = rng(opts.seed);
  const rd = new Float64Array(n);
  const rx = new Float64Array(n);
  const stats = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    for (let k = 0; k < n;) {
      const start = Math.floor(rnd() * n);
      for (let j = 0; j < blockPairs && k < n; j++, k++) {
        const i = (start + j) % n;
        rd[k] = d[i]!;
        rx[k] = x[i]!;
      }
    }
    rd.sort();
    rx.sort();
    stats[b] = percentile(rx, q) - percentile(rd, q);
  }
  stats.sort();
  return {
    added,
    lo: percentile(stats, 2.5),
    hi: percentile(stats, 97.5),
    pairs: n,
    blockPairs,
    resamples,
    seed: opts.seed,
  };
}
