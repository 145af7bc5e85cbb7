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
 * Several orders (cheapest-first, tightest-first, the same two with the
 * variant levels lightest first, seeded shuffles within each priority level;
 * fewer on large instances) are planned and the plan that admits the most
 * (priority-lexicographic) wins; an improvement pass
 * moves single deployments to make room for rejected ones, and a last-chance
 * pass spreads tight deployments thinly over what capacity is left.
 * The passes live in ../passes/ (fresh-plan.ts composes them; replan.ts
 * re-plans with minimal disruption).
 * Cost: O(D · (N + N_fit·G·M + K·(M·S + T))) for D deployments, N nodes of
 * G GPUs, M modules, N_fit nodes with room for the DAG's least share, S
 * candidate slots, T tenants per touched node, K ≤ 16 tries (per-node values
 * are kept between deployments: docs/performance.md, "Solve time").
 */
import { buildPlan } from '../plan-build.js';
import { freshPlan } from '../passes/fresh-plan.js';
import { replan } from '../passes/replan.js';
import type { Strategy, StrategyContext } from '../strategy.js';
import type { Plan } from '../../types.js';

export const rimStrategy: Strategy = {
  name: 'rim',
  summary:
    'Rim: whole-DAG best-fit on one node, else split keeping heavy edges local; ' +
    'demotes variants before rejecting; keeps running replicas on re-plan',
  plan(ctx: StrategyContext): Plan {
    if (ctx.previous) return replan(ctx.problem, ctx.previous, ctx.options.replan ?? 'admit-more');
    const { state, reasons } = freshPlan(ctx.problem, { clock: ctx.options.clock, ms: ctx.options.searchMs });
    return buildPlan('rim', state, reasons);
  },
};
