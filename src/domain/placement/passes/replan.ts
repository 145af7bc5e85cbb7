/**
 * Re-planning with minimal disruption: every deployment of the previous plan
 * keeps its replicas where they are (highest priority first); one that lost
 * replicas (a node gone) keeps what survived and re-places only the missing
 * fps; new deployments then go where there is room; last, deployments
 * running on lighter variants get their better ones back where that now
 * fits (promote.ts: only their own replicas move). A fresh plan is made too,
 * and wins only if it admits more (priority-lexicographic): moving running
 * replicas must buy admissions. O(cost of two plans).
 */
import { ClusterState } from '../cluster-state.js';
import { Draft } from '../draft.js';
import type { Share } from '../latency.js';
import { buildPlan, countMoves, sharesFromPlan } from '../plan-build.js';
import { coresKey } from '../utilisation-key.js';
import { type DeploymentInfo, type Problem, byPriority } from '../problem.js';
import { admissionScore, compareScores, type ReplanPolicy } from '../strategy.js';
import type { Plan, ReplanOutcome } from '../../types.js';
import { placeModule, type Mode, SlotIndex } from './drafts.js';
import { freshPlan } from './fresh-plan.js';
import { greedyByLevel } from './greedy.js';
import { improvePlan } from './improve.js';
import { lastChance } from './last-chance.js';
import { promote } from './promote.js';
import { cheapestFirst } from './orders.js';

/** Surviving shares plus the missing fps of each module, placed around them. */
function repair(state: ClusterState, index: SlotIndex, d: DeploymentInfo, kept: readonly Share[], mode: Mode): boolean {
  const app = state.p.apps.get(d.app)!;
  const draft = new Draft(state, d.index);
  for (const s of kept) draft.add(s.module, s.variant, s.slot, s.fps);
  for (const m of app.topo) {
    const mine = kept.filter((s) => s.module === m);
    const missing = d.fps - mine.reduce((a, s) => a + s.fps, 0);
    if (missing <= 1e-9) continue;
    const variant = mine[0]?.variant ?? 'default';
    if (!placeModule(draft, m, variant, missing, index.slots(app, m, variant), mode)) return false;
  }
  return !state.tryPlace(d.index, draft.shares);
}

function serves(p: Problem, d: DeploymentInfo, shares: readonly Share[]): 'full' | 'partial' | 'changed' {
  const app = p.apps.get(d.app)!;
  let partial = false;
  for (const m of app.modules) {
    const fps = shares.filter((s) => s.module === m.index).reduce((a, s) => a + s.fps, 0);
    if (fps > d.fps + 1e-6) return 'changed';
    if (fps < d.fps - 1e-6) partial = true;
  }
  return partial ? 'partial' : 'full';
}

/**
 * Whether the change gave capacity back: a node the previous plan did not
 * know (its utilisation lists every node's cores), or a deployment it placed
 * that is gone or asks for less now. O(nodes + placements).
 */
function capacityReturned(p: Problem, previous: Plan): boolean {
  if (p.nodes.some((n) => !(coresKey(n.id) in previous.utilisation))) return true;
  const byName = new Map(p.deployments.map((d) => [d.name, d]));
  const served = new Map<string, number>();
  for (const pl of previous.placements) {
    const key = `${pl.deployment}\u0000${pl.module}`;
    served.set(key, (served.get(key) ?? 0) + pl.fps);
  }
  for (const [key, fps] of served) {
    const d = byName.get(key.slice(0, key.indexOf('\u0000')));
    if (!d || d.fps < fps - 1e-6) return true;
  }
  return false;
}

interface StickyOptions {
  /** false: only displaced and new deployments are placed; nothing running is moved to make room. */
  moveOthers: boolean;
}

type Planned = { state: ClusterState; reasons: Map<number, string> };

/** The previous plan's replicas kept where they still fit, the displaced repaired, the rest placed around them. */
function stickyPlan(p: Problem, previous: Plan, options: StickyOptions): Planned {
  const { shares, lost } = sharesFromPlan(p, previous);
  const state = new ClusterState(p);
  const index = new SlotIndex(p);
  const order = byPriority(p).filter((d) => p.apps.has(d.app) && shares[d.index]!.length);
  const damaged: DeploymentInfo[] = [];
  /** Deployments running as before, every replica kept where it was. */
  const intact = new Set<number>();
  for (const d of order) {
    const prev = shares[d.index]!;
    const how = serves(p, d, prev);
    if (how === 'full' && !lost.has(d.index) && !state.tryPlace(d.index, prev)) {
      intact.add(d.index);
      continue;
    }
    if (how !== 'changed') damaged.push(d);
  }
  for (const d of damaged) {
    if (state.isPlaced(d.index)) continue;
    if (!repair(state, index, d, shares[d.index]!, 'pack')) repair(state, index, d, shares[d.index]!, 'latency');
  }
  const reasons = new Map<number, string>();
  const rest = cheapestFirst(p);
  greedyByLevel(state, reasons, rest);
  if (options.moveOthers) improvePlan(state, reasons, rest);
  lastChance(state, reasons, rest);
  // Capacity may have come back (a box joined, a deployment left, load fell): demoted ones try full quality again.
  // Promotion moves a deployment's replicas, so one running intact is promoted only when capacity did come back;
  // after a loss (the room it finds is what the loss rejected) only the displaced and the new are.
  const returned = capacityReturned(p, previous);
  promote(
    state,
    byPriority(p).filter((d) => returned || !intact.has(d.index)),
  );
  return { state, reasons };
}

/** Each running replica moved must buy at least this much admitted fps (moves disrupt streams). */
const MIN_FPS_PER_MOVE = 0.5;

type Candidate = Planned & { plan: Plan; moves: number };

function candidate(previous: Plan, r: Planned): Candidate {
  const plan = buildPlan('rim', r.state, r.reasons);
  return { ...r, plan, moves: countMoves(previous, plan) };
}

/**
 * Worth moving running replicas for: no worse priority by priority
 * (lexicographic), and strictly more fps admitted in all, at least
 * MIN_FPS_PER_MOVE for each extra move. Shuffling fps between priority
 * levels at equal total, or a few fps for hundreds of moves, is not.
 */
function worthMoving(a: Candidate, b: Candidate, running: ReadonlySet<number>): boolean {
  const sa = admissionScore(a.state);
  const sb = admissionScore(b.state);
  const total = (s: number[]) => s.reduce((x, y) => x + y, 0);
  const gain = total(sa) - total(sb);
  return (
    compareScores(sa, sb) >= 0 &&
    gain > 1e-9 &&
    gain >= MIN_FPS_PER_MOVE * (a.moves - b.moves) &&
    !tradesRunning(a, b, running)
  );
}

/**
 * Whether `a` rejects a running deployment that `b` keeps without admitting
 * more at a strictly higher priority: a running stream is never traded for
 * new ones of its own priority.
 */
function tradesRunning(a: Candidate, b: Candidate, running: ReadonlySet<number>): boolean {
  const p = a.state.p;
  const levels = [...new Set(p.deployments.map((d) => d.priority))].sort((x, y) => y - x);
  const sa = admissionScore(a.state);
  const sb = admissionScore(b.state);
  const firstGain = levels.findIndex((_, i) => sa[i]! > sb[i]! + 1e-9);
  for (const dep of running) {
    if (a.state.isPlaced(dep) || !b.state.isPlaced(dep)) continue;
    const at = levels.indexOf(p.deployments[dep]!.priority);
    if (firstGain < 0 || firstGain >= at) return true;
  }
  return false;
}

/** Deployments the previous plan admitted (by index in this problem). */
function runningIn(p: Problem, previous: Plan): Set<number> {
  const rejected = new Set(previous.rejected.map((r) => r.deployment));
  const placed = new Set(previous.placements.map((x) => x.deployment));
  return new Set(p.deployments.filter((d) => placed.has(d.name) && !rejected.has(d.name)).map((d) => d.index));
}

/**
 * `minimal`: move only what the change displaced. `admit-more` (default):
 * also move running replicas when that admits more: first one at a time
 * (the improvement pass), then wholesale (a fresh plan) if that admits more still.
 */
export function replan(p: Problem, previous: Plan, policy: ReplanPolicy): Plan {
  let chosen = candidate(previous, stickyPlan(p, previous, { moveOthers: false }));
  let how: ReplanOutcome = 'kept';
  const running = runningIn(p, previous);
  if (policy === 'admit-more') {
    const others: Array<[ReplanOutcome, () => Planned]> = [
      ['moved', () => stickyPlan(p, previous, { moveOthers: true })],
      ['fresh', () => freshPlan(p)],
    ];
    for (const [name, next] of others) {
      const cand = candidate(previous, next());
      if (worthMoving(cand, chosen, running)) {
        chosen = cand;
        how = name;
      }
    }
  }
  // `replan` says which won: running replicas kept, some moved to admit more, or a fresh plan.
  return { ...chosen.plan, replan: how };
}
