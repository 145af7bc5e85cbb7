/**
 * Level swaps (issue #11, round 10): a tight deployment held on GPUs where
 * its path allows a low level (a slow model: a 300 ms `nlp` on a GTX 1080
 * may run it at 0.21, on an RTX 2080 Ti at 0.58) locks the rest of those
 * GPUs; a looser tenant sitting on the GPUs where the tight one's level is
 * high loses nothing on the slow ones. A swap lifts the tight deployment
 * and the tenants of enough high-level GPUs (only GPUs whose tenants
 * tolerate that level), places the tight one first as a level split on the
 * highest-level GPUs (drafts.ts `levelHigh`), then the lifted tenants with
 * their usual tries, highest priority first, then every rejected
 * deployment gets the greedy pass in what the swap freed. It is kept when
 * admission rises (priority-lexicographic), or stays the same and the
 * usable GPU room (repack.ts) grows by GAIN_MIN; else every share goes back
 * where it was. Admission never falls, priority by priority (a fresh plan's
 * pass: re-plans meet it only through their `fresh` candidate).
 * O(tried · (lifted · cost of placeDeployment + cost of the greedy pass + G)).
 */
import type { ClusterState } from '../cluster-state.js';
import type { Share } from '../latency.js';
import type { DeploymentInfo } from '../problem.js';
import { admissionScore, compareScores } from '../strategy.js';
import { SlotIndex } from './drafts.js';
import { greedy } from './greedy.js';
import { slotLevels } from './level-split.js';
import { placeDeployment, tryWithDetours } from './place-deployment.js';
import { variantLevels } from './variant-levels.js';

const EPS = 1e-9;
/** A GPU is worth swapping to when the tight deployment's level there is at least this much higher. */
const LEVEL_GAIN = 0.1;
/** A swap is kept only when it frees at least this much usable GPU room (in GPUs). */
const GAIN_MIN = 0.01;
/** GPUs a swap takes at most, and deployments it lifts at most (the cost of one try). */
const MAX_GPUS = 16;
const MAX_LIFTED = 16;

/** The room a swap is judged by (repack.ts's usableRoom, passed in to keep the import one way). */
export type RoomOf = (state: ClusterState) => number;

/** The GPU slots a swap for `d` would empty: higher level than its worst share by LEVEL_GAIN, tolerant tenants. */
export function swapTargets(state: ClusterState, d: DeploymentInfo, variants: readonly string[]): number[] {
  const p = state.p;
  const levels = slotLevels(p, d, variants);
  const shares = state.shares[d.index]!;
  const held = new Set(shares.map((s) => s.slot));
  let worst = Infinity;
  for (const s of shares) if (p.slots[s.slot]!.gpu) worst = Math.min(worst, levels[s.slot]!);
  if (!Number.isFinite(worst)) return [];
  // GPU share one fps of the deployment costs per slot (all its GPU modules there).
  const app = p.apps.get(d.app)!;
  const perFps = (slot: number): number => {
    let x = 0;
    for (const m of app.modules)
      if (m.gpu) x += 1 / state.profile(d.index, { module: m.index, variant: variants[m.index]!, slot })!.maxFps;
    return x;
  };
  const rows = p.slots
    .filter((s) => s.gpu && !held.has(s.index) && levels[s.index]! >= worst + LEVEL_GAIN)
    .filter((s) => state.cap[s.index]! >= levels[s.index]! - EPS)
    .map((s) => ({ slot: s.index, level: levels[s.index]! }))
    .sort((a, b) => b.level - a.level || a.slot - b.slot);
  const out: number[] = [];
  let fps = 0;
  for (const r of rows) {
    if (fps >= d.fps - EPS || out.length >= MAX_GPUS) break;
    out.push(r.slot);
    fps += r.level / perFps(r.slot);
  }
  return fps >= d.fps - EPS ? out : [];
}

/** Deployments with a share on any of `slots`, but `d`. */
function tenantsOf(state: ClusterState, d: DeploymentInfo, slots: readonly number[]): DeploymentInfo[] {
  const set = new Set(slots);
  return state.p.deployments.filter((x) => x.index !== d.index && state.shares[x.index]!.some((s) => set.has(s.slot)));
}

/**
 * Tries one swap for each placed deployment of `order` whose GPUs include one at a level LEVEL_GAIN below its
 * best; keeps those that free room. Returns how many were kept.
 */
export function levelSwaps(
  state: ClusterState,
  order: DeploymentInfo[],
  reasons: Map<number, string>,
  roomOf: RoomOf,
): number {
  const p = state.p;
  const index = new SlotIndex(p);
  let kept = 0;
  for (const d of order) {
    if (!state.isPlaced(d.index)) continue;
    const levels = variantLevels(p, d.app);
    const shares = state.shares[d.index]!;
    const current = levels.find((l) => shares.every((s) => l[s.module] === s.variant));
    if (!current) continue;
    const targets = swapTargets(state, d, current);
    if (!targets.length) continue;
    const lifted = tenantsOf(state, d, targets).sort((a, b) => b.priority - a.priority || a.index - b.index);
    if (lifted.length > MAX_LIFTED) continue;
    const before = roomOf(state);
    const score = admissionScore(state);
    const placed = order.filter((x) => state.isPlaced(x.index)).map((x) => x.index);
    const old = new Map<number, Share[]>();
    old.set(d.index, state.remove(d.index));
    for (const x of lifted) old.set(x.index, state.remove(x.index));
    let ok = !tryWithDetours(state, index, d, current, 'levelHigh', undefined, 0);
    if (ok) {
      for (const x of lifted) placeDeployment(state, index, x, variantLevels(p, x.app), { level: true });
      // What is still out (lifted ones included) gets the greedy pass in the room the swap freed.
      greedy(state, new Map(), order, undefined, true, true);
      const cmp = compareScores(admissionScore(state), score);
      ok = cmp > 0 || (cmp === 0 && roomOf(state) > before + GAIN_MIN);
    }
    if (ok) {
      kept++;
      for (const x of order) if (state.isPlaced(x.index)) reasons.delete(x.index);
      continue;
    }
    // Undo: lift what this swap placed, put the old shares back (the state is as it was: they fit).
    const was = new Set(placed);
    for (const x of order)
      if (state.isPlaced(x.index) && (!was.has(x.index) || old.has(x.index))) state.remove(x.index);
    for (const [dep, sh] of old) if (state.tryPlace(dep, sh)) state.addShares(dep, sh);
  }
  return kept;
}
