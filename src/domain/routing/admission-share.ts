/**
 * Cluster-wide admission: a deployment is admitted at `fps` in total, but
 * its frames may arrive at any box. Each box admits at its own share of
 * `fps`, computed from where frames arrive (each box measures its own
 * arrival rate and the boxes tell each other over the peer API). Every box
 * computes the same shares from the same reports, so they add up to `fps`
 * (up to the age of the reports). Pure.
 *
 * - Demand within the rate (sum of arrivals ≤ fps): every box gets what
 *   arrives there (with a margin), each idle box a floor (FLOOR_PART of fps
 *   split over the boxes, at most an even part of what is unused: room for
 *   a stream that starts there before the next report), and the rest goes
 *   to the boxes where frames arrive, by their arrivals. A stream read under its rate (one that resumes after a
 *   pause shorter than the arrival window reads low for up to that window)
 *   keeps about its rate: an even part of the rest, kept for idle boxes,
 *   left a camera resuming at exactly its admitted rate into one box of
 *   three at ~0.6 of it, and the bucket refused 1–4 frames each time.
 * - Demand over the rate: shares are proportional to arrivals, with a
 *   floor (FLOOR_PART of fps split over the boxes) so that a box where a
 *   stream just started admits some frames and its arrivals get reported.
 *   The floor comes out of the excess demand (at most the excess split over
 *   the boxes): a camera at exactly its admitted rate, all of it arriving at
 *   one box, measured a hair above the rate, keeps its whole rate instead of
 *   losing the idle boxes' floors (it lost 2 × FLOOR_PART / 3 ≈ 6.7% of its
 *   frames on 3 boxes).
 * - A box whose arrivals are unknown (no report yet, or a stale one) counts
 *   as receiving what this box receives: a box starts at about fps / boxes
 *   rather than at the full rate, so the total never starts N times over.
 *   A box taken for down (suspect or dead, or unreachable from this box) is
 *   not among `others` at all (router/cluster-admission.ts): a box killed
 *   does not halve the survivors' shares until it is declared dead.
 */
export const FLOOR_PART = 0.1;
/** Within the rate: the margin on a box's own arrival reading (see admissionShare). */
export const ARRIVAL_SLACK = 0.05;

export interface ShareInput {
  /** The deployment's admitted rate, cluster-wide. */
  fps: number;
  /** Frames per second arriving at this box. */
  own: number;
  /** Arrival rates reported by the other alive boxes; undefined: unknown. */
  others: readonly (number | undefined)[];
}

/** This box's admitted rate (fps) for one deployment. O(boxes). */
export function admissionShare(i: ShareInput): number {
  const boxes = i.others.length + 1;
  if (boxes === 1) return i.fps;
  let sum = i.own;
  for (const a of i.others) sum += a === undefined ? i.own : Math.max(0, a);
  if (sum <= 0) return i.fps / boxes;
  // Within the rate, a box's own arrivals count with a margin (ARRIVAL_SLACK): a reading of a stream at
  // exactly the rate is as often a little under it as over, and a share that followed it exactly would
  // refuse frames. Admitting above the rate this way needs demand above it, which the readings then show.
  if (sum <= i.fps) {
    if (i.own <= 0) return (i.fps - sum) / boxes;
    let idle = 0;
    for (const a of i.others) if (a !== undefined && a <= 0) idle++;
    // An idle box keeps at most an even part of what is unused: a stream read just under its rate keeps it.
    const floor = Math.min((FLOOR_PART * i.fps) / boxes, (i.fps - sum) / boxes);
    const rest = i.fps - sum - idle * floor;
    return Math.min(i.fps, i.own * (1 + ARRIVAL_SLACK) + (rest * i.own) / sum);
  }
  // The floor is kept only for the boxes where frames arrive (or may: not heard from);
  // one kept for an idle box would be taken from a box whose stream is at the rate.
  let active = i.own > 0 ? 1 : 0;
  for (const a of i.others) if (a === undefined ? i.own > 0 : a > 0) active++;
  // The floor comes out of the excess demand (at most the excess split over the active boxes): a camera at
  // exactly its admitted rate into one box, measured a hair above it, keeps its whole rate.
  const floor = Math.min((FLOOR_PART * i.fps) / boxes, (sum - i.fps) / active);
  return floor + ((i.fps - floor * active) * i.own) / sum;
}
