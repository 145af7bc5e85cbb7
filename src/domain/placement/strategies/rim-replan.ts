/**
 * Re-planning with minimal disruption: every deployment of the previous plan
 * keeps its replicas where they are (highest priority first); one that lost
 * replicas (a node gone) keeps what survived and re-places only the missing
 * fps; new deployments then go where there is room. A fresh plan is made too,
 * and wins only if it admits more (priority-lexicographic): moving running
 * replicas must buy admissions. O(cost of two plans).
 */
import { ClusterState } from '../cluster-state.js';
import { Draft } from '../draft.js';
import type { Share } from '../latency.js';
import { buildPlan, sharesFromPlan } from '../plan-build.js';
import { type DeploymentInfo, type Problem, byPriority } from '../problem.js';
import { admissionScore, compareScores } from '../strategy.js';
import type { Plan } from '../../types.js';
import { placeModule, type Mode, SlotIndex } from './rim-drafts.js';
import { cheapestFirst, freshPlan, greedy, lastChance } from './rim.js';

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

/** `moveOthers: false`: only displaced and new deployments are placed; nothing running is moved to make room. */
export function stickyPlan(p: Problem, previous: Plan, moveOthers = true): { state: ClusterState; reasons: Map<number, string> } {
  const { shares, lost } = sharesFromPlan(p, previous);
  const state = new ClusterState(p);
  const index = new SlotIndex(p);
  const order = byPriority(p).filter((d) => p.apps.has(d.app) && shares[d.index]!.length);
  const damaged: DeploymentInfo[] = [];
  for (const d of order) {
    const prev = shares[d.index]!;
    const how = serves(p, d, prev);
    if (how === 'full' && !lost.has(d.index) && !state.tryPlace(d.index, prev)) continue;
    if (how !== 'changed') damaged.push(d);
  }
  for (const d of damaged) {
    if (state.isPlaced(d.index)) continue;
    if (!repair(state, index, d, shares[d.index]!, 'pack')) repair(state, index, d, shares[d.index]!, 'latency');
  }
  const out = greedy(p, cheapestFirst(p), state, new Map(), moveOthers ? undefined : 0);
  lastChance(out.state, out.reasons, cheapestFirst(p));
  return out;
}

/**
 * Worth moving running replicas for: strictly more fps admitted in all, and
 * no worse priority by priority (lexicographic). Shuffling fps between
 * priority levels at equal total is not worth a single move.
 */
function admitsMore(a: ClusterState, b: ClusterState): boolean {
  const sa = admissionScore(a);
  const sb = admissionScore(b);
  const total = (s: number[]) => s.reduce((x, y) => x + y, 0);
  return compareScores(sa, sb) >= 0 && total(sa) > total(sb) + 1e-9;
}

/**
 * `minimal`: move only what the change displaced. `admit-more` (default):
 * also move running replicas when that admits more: first one at a time
 * (the improvement pass), then wholesale (a fresh plan) if that admits more still.
 */
export function replan(p: Problem, previous: Plan, policy: 'minimal' | 'admit-more'): Plan {
  const kept = stickyPlan(p, previous, false);
  let chosen = kept;
  let how = 'kept';
  if (policy === 'admit-more') {
    // A later candidate must admit strictly more (priority-lexicographic) to win: moves must buy admissions.
    for (const [name, next] of [['moved', () => stickyPlan(p, previous, true)], ['fresh', () => freshPlan(p)]] as const) {
      const cand = next();
      if (admitsMore(cand.state, chosen.state)) { chosen = cand; how = name; }
    }
  }
  // `replan` says which won: running replicas kept, some moved to admit more, or a fresh plan.
  return buildPlan('rim', chosen.state, chosen.reasons, { replan: how });
}
