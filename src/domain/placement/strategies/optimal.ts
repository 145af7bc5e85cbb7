/**
 * `optimal`: the yardstick. Solves the MILP of optimal-model.ts with HiGHS
 * (injected as `options.solver`), lexicographically by priority like every
 * strategy here: first the most fps at the highest level, then, keeping
 * that, the most at the next level, and so on (one solve per level, each
 * warm-started from the last). For small instances: the time limit
 * (`timeLimitMs`, default 20 s, shared by the levels) stops the solver,
 * and the plan reports `status` and the relative `gap` it reached.
 * Re-planning ignores the previous plan (no minimal-disruption term).
 */
import { ValidationError } from '../../errors.js';
import { ClusterState } from '../cluster-state.js';
import { freshPlan } from '../passes/fresh-plan.js';
import { latencyBound } from '../latency-bound.js';
import { buildPlan } from '../plan-build.js';
import { capacityReason, structuralReason } from '../reasons.js';
import type { Strategy, StrategyContext } from '../strategy.js';
import { dropLatencyViolators } from './baseline-kit.js';
import { buildOptimalModel, solutionState } from './optimal-model.js';
import { startFrom } from './optimal-start.js';

export const optimalStrategy: Strategy = {
  name: 'optimal',
  summary:
    'MILP optimum (HiGHS), latency linearised with utilisation levels; ' +
    'priority-lexicographic; time-limited, reports gap',
  needs: 'solver',
  plan({ problem: p, options }: StrategyContext) {
    const solver = options.solver;
    if (!solver) throw new ValidationError('strategy optimal: needs a MILP solver (options.solver)', 'strategy');
    const reasons = new Map<number, string>();
    const eligible = p.deployments.filter((d) => {
      const why = p.apps.has(d.app) ? structuralReason(p, d) : `app ${d.app} is not registered`;
      if (why) reasons.set(d.index, why);
      return !why;
    });
    // MIP start: rim's plan, with each slot's grid holding rim's utilisation so it is exactly representable.
    const rim = freshPlan(p).state;
    const model = buildOptimalModel(
      p,
      eligible,
      p.slots.map((s) => rim.util(s.index)),
    );
    const { b, admit } = model;
    const rimAt = (level: number): number =>
      eligible.filter((d) => d.priority === level && rim.isPlaced(d.index)).reduce((s, d) => s + d.fps, 0);
    let rimStartOk = true;
    const levels = [...new Set(eligible.map((d) => d.priority))].sort((x, y) => y - x);
    let left = (options.timeLimitMs ?? 20000) / 1000;
    let values: ArrayLike<number> | undefined;
    const statuses: string[] = [];
    let gap = 0;
    levels.forEach((level, i) => {
      for (const d of eligible) {
        const col = b.cols[admit.get(d.index)!]!;
        col.cost = d.priority === level ? d.fps : 0;
        // Lower levels cannot change this level's optimum: leave them out (presolve drops them).
        col.upper = d.priority >= level ? 1 : 0;
      }
      const t0 = left;
      const start = rimStartOk ? startFrom(p, model, rim, level) : values;
      const r = solver.solve(b.model(), { timeLimitS: Math.max(0.5, left / (levels.length - i)), start });
      left = Math.max(0, t0 - Math.max(0.5, left / (levels.length - i)));
      statuses.push(r.status);
      if (!r.feasible) return; // keep the last level's solution
      values = r.values;
      gap = Math.max(gap, r.gap);
      const got = eligible
        .filter((d) => d.priority === level)
        .reduce((s, d) => s + d.fps * Math.round(r.values[admit.get(d.index)!]!), 0);
      if (got > rimAt(level) + 1e-6) rimStartOk = false; // rim's start no longer meets this level's floor
      // Later levels must keep what this one admitted.
      b.row(
        eligible.filter((d) => d.priority === level).map((d) => [admit.get(d.index)!, d.fps]),
        got - 1e-6,
        Infinity,
      );
    });
    const state = values ? solutionState(p, model, values) : new ClusterState(p, false);
    dropLatencyViolators(state, reasons, 'optimal (solver tolerance)');
    for (const d of eligible) {
      if (state.isPlaced(d.index) || reasons.has(d.index)) continue;
      reasons.set(
        d.index,
        capacityReason(state, d) ??
          (values
            ? 'the optimum leaves it out: admitting it would cost fps at its or a higher priority'
            : 'the solver found no solution within its time limit'),
      );
    }
    const status = statuses.every((s) => s === 'Optimal') ? 'Optimal' : statuses.join(', ');
    // The gap against the latency-aware bound on any valid plan (the solver's own gaps are per
    // priority level and against its linearised model); finite even when the solver proved nothing.
    const fps = p.deployments.filter((d) => state.isPlaced(d.index)).reduce((a, d) => a + d.fps, 0);
    const bound = Math.max(fps, latencyBound(p, solver).fps);
    const vsBound = bound > 0 ? 1 - fps / bound : 0;
    const solverGap = Number.isFinite(gap) ? gap : 1;
    return buildPlan('optimal', state, reasons, {
      status,
      gap: Number(vsBound.toFixed(4)),
      solverGap: Number(solverGap.toFixed(4)),
    });
  },
};
