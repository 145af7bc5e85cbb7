/**
 * A plan admits whole deployments, so its admitted fps is a sum of some of
 * their fps: an upper bound x on it may be lowered to the largest such sum
 * ≤ x. Dynamic programming over sums in units of the fps' greatest common
 * divisor (in thousandths of a frame): O(n · total / unit) bit steps; above
 * MAX_CELLS (fps with awkward fractions) x is returned as it is.
 */

const MAX_CELLS = 20_000_000;
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The largest sum of a subset of `fps` that is at most `x` (+1e-6); `x` itself if too costly to tell. */
export function floorToSubsetSum(fps: readonly number[], x: number): number {
  const pos = fps.filter((f) => f > 0);
  const milli = pos.map((f) => Math.round(f * 1000));
  if (!milli.length || !Number.isFinite(x) || pos.some((f, i) => Math.abs(milli[i]! / 1000 - f) > 1e-9)) return x;
  const unit = milli.reduce(gcd);
  const units = milli.map((v) => v / unit);
  const cap = Math.floor(((x + 1e-6) * 1000) / unit); // the most units a sum may have
  if (cap < 0) return x;
  const top = Math.min(
    cap,
    units.reduce((a, v) => a + v, 0),
  );
  if (units.length * (top + 1) > MAX_CELLS) return x;
  const reach = new Uint8Array(top + 1);
  reach[0] = 1;
  for (const v of units) for (let s = top; s >= v; s--) if (reach[s - v]) reach[s] = 1;
  let best = top;
  while (best > 0 && !reach[best]) best--;
  return Math.min(x, (best * unit) / 1000);
}
