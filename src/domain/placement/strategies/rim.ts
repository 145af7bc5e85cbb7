/**
 * `rim`: Rim's placement (Hu et al., IoTDI 2021), plus what the paper leaves
 * open. Deployments go by priority (highest first; within a level the ones
 * that cost the least GPU per fps first, so a full cluster admits the most
 * fps), and each tries, in order:
 *   1. the whole DAG on one node, best-fit by the "*" whole-DAG profile;
 *   2. a split across nodes by module profiles, heavy edges kept local;
 *   3. the same with lighter variants, one demotion at a time;
 * the whole DAG first on the node whose GPU it fits by latency (leaving fast
 * GPUs to tight deployments), then best-fit; splits first packed
 * (best-fit), then latency-first (the accelerators where each module runs
 * fastest under load, levelled when a module must be split).
 * Every try must keep every latency target on the touched nodes
 * (utilisation-dependent estimate). What fails is rejected with a reason.
 * Several orders (cheapest-first, tightest-first, seeded shuffles within
 * each priority level; fewer on large instances) are planned and the plan
 * that admits the most (priority-lexicographic) wins; an improvement pass
 * moves single deployments to make room for rejected ones, and a last-chance
 * pass spreads tight deployments thinly over what capacity is left.
 * Cost: O(D · (N·G + K·(M·S + T))) for D deployments, N nodes of G GPUs,
 * M modules, S candidate slots, T tenants per touched node, K ≤ 16 tries.
 */
import { ClusterState, type Failure } from '../cluster-state.js';
import { buildPlan } from '../plan-build.js';
import { type DeploymentInfo, type Problem, byPriority } from '../problem.js';
import { capacityReason, gpuPerFps, rejectionReason, structuralReason } from '../reasons.js';
import { admissionScore, compareScores, type Strategy, type StrategyContext } from '../strategy.js';
import { buildDraft, type Mode, SlotIndex, splitNodes, wholeDagNodes } from './rim-drafts.js';
import { improve } from './rim-improve.js';
import { replan } from './rim-replan.js';
import { rng } from '../workload-gen.js';
import type { Plan } from '../../types.js';

const WHOLE_PACK = 4;
const WHOLE_SPREAD = 2;
/** Whole-DAG nodes tried first by latency fit (the GPU that uses most of the target: fast GPUs stay free for tight deployments). */
const WHOLE_SLACK = 2;
const SLACK_FIRST = true;
/** Moves tried by the improvement pass (rim-improve.ts). */
const IMPROVE_BUDGET = 40;
/** A split looks at this many nodes (the roomiest, plus the whole-DAG candidates). */
const SPLIT_NODES = 16;

/** Variant choices per module, from full quality to lightest: each step demotes the module that saves the most GPU. */
export function variantLevels(p: Problem, app: string): string[][] {
  const info = p.apps.get(app)!;
  const current = info.modules.map(() => 'default');
  const levels = [[...current]];
  const best = (m: number, v: string): number => {
    let f = 0;
    for (const model of p.models) f = Math.max(f, p.profiles.get(`${app}\u0000${info.modules[m]!.name}\u0000${v}\u0000${model}`)?.maxFps ?? 0);
    return f;
  };
  const steps: Array<{ m: number; v: string; gain: number }> = [];
  for (const mod of info.modules) {
    for (const v of mod.variants.slice(1)) {
      const fv = best(mod.index, v.name);
      const fd = best(mod.index, 'default');
      if (fv > 0) steps.push({ m: mod.index, v: v.name, gain: fd > 0 ? 1 / fd - 1 / fv : Infinity });
    }
  }
  steps.sort((a, b) => b.gain - a.gain || a.m - b.m);
  for (const s of steps) {
    if (current[s.m] !== 'default') continue; // one demotion per module, to its best-saving variant
    current[s.m] = s.v;
    levels.push([...current]);
  }
  return levels;
}

/** Tries the candidates for one deployment. undefined: placed; else why the last (or most telling) try failed. */
export function placeDeployment(state: ClusterState, index: SlotIndex, d: DeploymentInfo, levels: string[][], thin = false): Failure | undefined {
  let last: Failure | undefined;
  let split: number[] | undefined | null = null; // computed once: failed tries leave the state as it was
  for (const variants of levels) {
    const { pack, spread, slack } = wholeDagNodes(state, d, variants, WHOLE_PACK, WHOLE_SPREAD, WHOLE_SLACK);
    if (split === null) split = splitNodes(state, d, [...pack, ...spread], SPLIT_NODES);
    const tries: Array<{ mode: Mode; nodes?: number[] }> = [
      ...(SLACK_FIRST ? slack.map((node) => ({ mode: 'pack' as Mode, nodes: [node] })) : []),
      ...pack.filter((node) => !SLACK_FIRST || !slack.includes(node)).map((node) => ({ mode: 'pack' as Mode, nodes: [node] })),
      ...spread.filter((node) => !pack.includes(node)).map((node) => ({ mode: 'latency' as Mode, nodes: [node] })),
      { mode: 'pack', nodes: split }, { mode: 'latency', nodes: split },
      ...(thin ? [{ mode: 'thin' as Mode, nodes: split }] : []),
    ];
    for (const t of tries) {
      const draft = buildDraft(state, index, d, variants, t.mode, t.nodes);
      if (!draft) continue;
      const f = state.tryPlace(d.index, draft.shares);
      if (!f) return undefined;
      // Keep the most telling failure: the closest miss on latency, else the last.
      if (!last || last.kind !== 'latency' || (f.kind === 'latency' && f.ms < last.ms)) last = f;
    }
  }
  return last ?? { kind: 'room' };
}

type Order = (p: Problem) => DeploymentInfo[];

/** Within a priority level, the least GPU per fps first (the most fps for the capacity). */
const cheapestFirst: Order = (p) => {
  const cost = new Map<string, number>();
  for (const a of p.apps.keys()) {
    const per = p.models.map((m) => gpuPerFps(p, a, m)).filter((x): x is number => x !== undefined);
    cost.set(a, per.length ? Math.min(...per) : Infinity);
  }
  return byPriority(p).sort((a, b) => b.priority - a.priority || cost.get(a.app)! - cost.get(b.app)!
    || a.latencyMs - b.latencyMs || b.fps - a.fps || a.index - b.index);
};

/** Within a priority level, the tightest latency target first (they need the idle accelerators). */
const tightestFirst: Order = (p) => byPriority(p).sort((a, b) => b.priority - a.priority
  || a.latencyMs - b.latencyMs || b.fps - a.fps || a.index - b.index);

export function greedy(
  p: Problem, order: DeploymentInfo[], state = new ClusterState(p), reasons = new Map<number, string>(), improveBudget = IMPROVE_BUDGET, thin = false,
): { state: ClusterState; reasons: Map<number, string>; thin: boolean } {
  const index = new SlotIndex(p);
  const levelsByApp = new Map<string, string[][]>();
  const failures = new Map<string, Array<{ fps: number; latencyMs: number; f: Failure | undefined }>>();
  for (const d of order) {
    if (state.isPlaced(d.index)) continue;
    const structural = p.apps.has(d.app) ? structuralReason(p, d) : `app ${d.app} is not registered`;
    if (structural) { reasons.set(d.index, structural); continue; }
    let levels = levelsByApp.get(d.app);
    if (!levels) { levels = variantLevels(p, d.app); levelsByApp.set(d.app, levels); }
    // Cheap early exit when even the lightest variants cannot fit in what is free.
    const early = capacityReason(state, d) ?? capacityReason(state, d, true);
    if (early) { reasons.set(d.index, early); continue; }
    // Dominance: the cluster only fills up during a greedy pass, so a deployment of an app
    // that already failed with no more fps and no tighter target fails too. Skip the tries.
    const failedBefore = failures.get(d.app)?.find((x) => x.fps <= d.fps && x.latencyMs >= d.latencyMs);
    if (failedBefore) { reasons.set(d.index, rejectionReason(state, d, failedBefore.f)); continue; }
    const f = placeDeployment(state, index, d, levels, thin);
    if (f === undefined) { reasons.delete(d.index); continue; }
    reasons.set(d.index, rejectionReason(state, d, f));
    if (!failures.has(d.app)) failures.set(d.app, []);
    failures.get(d.app)!.push({ fps: d.fps, latencyMs: d.latencyMs, f });
  }
  if (improveBudget > 0) improvePlan(state, reasons, order, improveBudget, thin);
  return { state, reasons, thin };
}

/** The improvement pass (rim-improve.ts) over a greedy result. */
export function improvePlan(state: ClusterState, reasons: Map<number, string>, order: DeploymentInfo[], budget = IMPROVE_BUDGET, thin = false): void {
  const p = state.p;
  const index = new SlotIndex(p);
  const levels = new Map<string, string[][]>();
  const rejected = order.filter((d) => !state.isPlaced(d.index) && p.apps.has(d.app) && !structuralReason(p, d));
  const place = (d: DeploymentInfo): boolean => {
    if (capacityReason(state, d, true)) return false; // not enough room even in sum: skip the tries
    if (!levels.has(d.app)) levels.set(d.app, variantLevels(p, d.app));
    return placeDeployment(state, index, d, levels.get(d.app)!, thin) === undefined;
  };
  for (const [dep, why] of improve(state, index, rejected, place, budget)) {
    if (why === undefined) reasons.delete(dep); else reasons.set(dep, why);
  }
}

/** Shuffled priority order (seeded): more starts for the greedy pass. */
const shuffled = (seed: number): Order => (p) => {
  const r = rng(seed);
  const keys = p.deployments.map(() => r());
  return byPriority(p).sort((a, b) => b.priority - a.priority || keys[a.index]! - keys[b.index]!);
};

/**
 * How many greedy starts a problem gets (deterministic, by size): the two
 * heuristic orders plus seeded shuffles while the instance is small, one
 * order when it is large (time grows with D·N per start).
 */
function orders(p: Problem): Array<{ order: Order; thin: boolean }> {
  const d = p.deployments.length;
  const extra = d <= 60 ? 4 : d <= 400 ? 2 : 0;
  const heuristic: Order[] = d <= 800 ? [cheapestFirst, tightestFirst] : [cheapestFirst];
  const list = heuristic.map((order) => ({ order, thin: false }));
  for (let i = 0; i < extra; i++) list.push({ order: shuffled(i + 1), thin: false });
  return list;
}

/**
 * Last chance for what is still rejected, highest priority first: thin
 * splits (a module spread over more replicas to meet its share of a tight
 * target) in the capacity left when everything else is placed. Thin splits
 * hold GPUs at low utilisation, so they come after, not before, the rest:
 * they admit tight deployments when the cluster has room to spare without
 * costing the others. O(rejected · cost of a placement).
 */
export function lastChance(state: ClusterState, reasons: Map<number, string>, order: DeploymentInfo[]): void {
  const p = state.p;
  const index = new SlotIndex(p);
  const failed = new Map<string, Array<{ fps: number; latencyMs: number }>>();
  let tries = 0;
  for (const d of order) {
    if (tries >= LAST_CHANCE_BUDGET) break;
    if (state.isPlaced(d.index) || !p.apps.has(d.app) || structuralReason(p, d) || capacityReason(state, d, true)) continue;
    // Dominance, as in the greedy pass: no more room appears during this pass.
    if (failed.get(d.app)?.some((x) => x.fps <= d.fps && x.latencyMs >= d.latencyMs)) continue;
    tries++;
    const f = placeDeployment(state, index, d, variantLevels(p, d.app), true);
    if (f === undefined) { reasons.delete(d.index); continue; }
    if (!failed.has(d.app)) failed.set(d.app, []);
    failed.get(d.app)!.push({ fps: d.fps, latencyMs: d.latencyMs });
  }
}

/** Deployments the last-chance pass tries at most. */
const LAST_CHANCE_BUDGET = 40;

/** Starts whose greedy result gets the improvement pass (the best few: improvement is not monotone). */
const IMPROVED_STARTS = 2;

export function freshPlan(p: Problem): { state: ClusterState; reasons: Map<number, string> } {
  const runs = orders(p).map((start) => {
    const order = start.order(p);
    return { ...greedy(p, order, undefined, undefined, 0, start.thin), order };
  });
  // Stable sort, best first (priority-lexicographic admission).
  runs.sort((a, b) => compareScores(admissionScore(b.state), admissionScore(a.state)));
  let best: (typeof runs)[number] | undefined;
  for (const r of runs.slice(0, IMPROVED_STARTS)) {
    improvePlan(r.state, r.reasons, r.order, IMPROVE_BUDGET, r.thin);
    lastChance(r.state, r.reasons, r.order);
    if (!best || compareScores(admissionScore(r.state), admissionScore(best.state)) > 0) best = r;
  }
  return best!;
}

export const rimStrategy: Strategy = {
  name: 'rim',
  summary: 'Rim: whole-DAG best-fit on one node, else split keeping heavy edges local; demotes variants before rejecting; keeps running replicas on re-plan',
  plan(ctx: StrategyContext): Plan {
    if (ctx.previous) return replan(ctx.problem, ctx.previous, ctx.options.replan ?? 'admit-more');
    const { state, reasons } = freshPlan(ctx.problem);
    return buildPlan('rim', state, reasons);
  },
};

export { cheapestFirst, tightestFirst };
