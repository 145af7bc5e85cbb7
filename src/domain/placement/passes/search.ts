/**
 * The neighbourhood search after the constructive passes (ruin and
 * recreate): each step picks a rejected deployment (on half the steps from
 * the highest priority level that has one: those gains count first),
 * lifts out deployments around it (ruin.ts: the tenants of one or two
 * nodes where it would have the most room, or of random ones; the moves
 * `inTheWay` and `slack` are there too, off by default), then
 * re-inserts the rejected deployment first, the lifted ones in a seeded
 * order (priority first), and every other rejected deployment after them,
 * each on its lightest variants first (a lifted deployment that comes back
 * demoted leaves room for the rest; the promotion pass at the end gives
 * quality back where it fits); the rejected one with detours
 * (place-deployment.ts: a split that pushes a tenant over its target is
 * rebuilt away from that tenant's nodes). The re-inserts (reinsert.ts) stop
 * as soon as the step can no longer be kept and skip a deployment that
 * failed before while no node has more room. A step is kept when the plan admits at
 * least as much, priority by priority, and never drops a `pinned`
 * deployment (one running before a re-plan); otherwise the lifted shares go
 * back exactly where they were. Deterministic for a seed: the step budget
 * is a count; `expired` (a deadline from the caller's clock) only cuts it
 * short on a machine too slow to finish it.
 * Cost: O(steps · (lifted + rejected) · cost of placeDeployment), far less
 * in practice (the tries a step skips or stops before).
 */
import type { ClusterState } from '../cluster-state.js';
import type { Share } from '../latency.js';
import type { DeploymentInfo } from '../problem.js';
import { admissionScore, compareScores } from '../strategy.js';
import { rng } from '../workload-gen.js';
import { Hope, Reinserter, type ReinsertStats } from './reinsert.js';
import { type MoveWeights, ruin } from './ruin.js';

export interface SearchOptions {
  /** Steps tried (the deterministic budget). */
  steps: number;
  seed: number;
  /** Deployments that must stay admitted (running before a re-plan). */
  pinned?: ReadonlySet<number>;
  /** True once the caller's time budget is spent (checked between steps). */
  expired?: () => boolean;
  /** Remember failed re-inserts until a node they could use has more room (reinsert.ts); default true. */
  memo?: boolean;
  /** Stop a step's re-inserts once it cannot be kept (reinsert.ts, `Hope`); default true. */
  prune?: boolean;
  /** Share of steps whose re-inserts go in `order` (else shuffled within a priority level); default IN_ORDER. */
  inOrder?: number;
  /** How often each ruin move is drawn (ruin.ts); default MOVES. */
  moves?: MoveWeights;
  /** Filled with counters when given (profiling). */
  stats?: SearchStats;
}

export interface SearchStats extends ReinsertStats {
  steps: number;
  accepted: number;
}

const total = (s: readonly number[]): number => s.reduce((a, x) => a + x, 0);

/** Share of steps whose rejected deployment is drawn from the highest priority level that has one. */
const TOP_LEVEL_PICKS = 0.5;

/** How often each ruin move is drawn (ruin.ts). */
export const MOVES: MoveWeights = { room: 0.7, random: 0.3, inTheWay: 0, slack: 0 };

/** Share of steps whose re-inserts keep the plan's order within a priority level. */
export const IN_ORDER = 0;

/** The deployments of `list` at its highest priority. */
function highestLevel(list: readonly DeploymentInfo[]): DeploymentInfo[] {
  let top = -Infinity;
  for (const d of list) if (d.priority > top) top = d.priority;
  return list.filter((d) => d.priority === top);
}

/** Runs the search in place on `state`; `reasons` follows what it admits and rejects. */
export function search(
  state: ClusterState,
  reasons: Map<number, string>,
  order: readonly DeploymentInfo[],
  o: SearchOptions,
): void {
  const p = state.p;
  const random = rng(o.seed);
  const candidates = order.filter((d) => p.apps.has(d.app));
  if (!candidates.length || !p.nodes.length) return;
  let score = admissionScore(state);
  const reinsert = new Reinserter(state, o.memo ?? true);
  const inOrder = o.inOrder ?? IN_ORDER;
  let steps = 0;
  let accepted = 0;
  for (let step = 0; step < o.steps; step++) {
    if (o.expired?.()) break;
    steps++;
    const rejected = candidates.filter((d) => !state.isPlaced(d.index));
    if (!rejected.length) break;
    const pool = random() < TOP_LEVEL_PICKS ? highestLevel(rejected) : rejected;
    const r = pool[Math.floor(random() * pool.length)]!;
    const count = 1 + (random() < 0.5 ? 1 : 0);
    const lifted = new Map<number, Share[]>();
    for (const dep of ruin(state, r, random, count, o.moves ?? MOVES)) lifted.set(dep, []);
    for (const dep of lifted.keys()) lifted.set(dep, state.remove(dep));
    const keys = new Map<number, number>();
    for (const d of candidates) keys.set(d.index, random());
    // Some steps re-insert in the plan's own order (the start's heuristic) rather than shuffled.
    if (inOrder > 0 && random() < inOrder) for (const [i, d] of candidates.entries()) keys.set(d.index, i);
    keys.set(r.index, -1); // first within its priority level
    const again = candidates
      .filter((d) => lifted.has(d.index) || !state.isPlaced(d.index))
      .sort((a, b) => b.priority - a.priority || keys.get(a.index)! - keys.get(b.index)!);
    const trial = new Map<number, string>();
    const before = candidates.filter((d) => state.isPlaced(d.index)).map((d) => d.index);
    const hope = o.prune === false ? undefined : new Hope(state, score, again);
    reinsert.run(trial, again, (d) => d.index === r.index, hope);
    const next = admissionScore(state);
    const cmp = compareScores(next, score);
    const keepsPinned = [...(o.pinned ?? [])].every((dep) => !lifted.has(dep) || state.isPlaced(dep));
    if (keepsPinned && (cmp > 0 || (cmp === 0 && total(next) >= total(score)))) {
      score = next;
      accepted++;
      for (const [dep, why] of trial) reasons.set(dep, why);
      for (const d of candidates) if (state.isPlaced(d.index)) reasons.delete(d.index);
      continue;
    }
    // Undo: lift what this step placed, put the lifted shares back where they were.
    const keep = new Set(before);
    for (const d of candidates) if (state.isPlaced(d.index) && !keep.has(d.index)) state.remove(d.index);
    for (const d of candidates) if (lifted.has(d.index) && state.isPlaced(d.index)) state.remove(d.index);
    for (const [dep, shares] of lifted) {
      if (state.tryPlace(dep, shares)) state.addShares(dep, shares); // float drift only: the state is as it was
    }
  }
  if (o.stats) Object.assign(o.stats, reinsert.stats, { steps, accepted });
}
