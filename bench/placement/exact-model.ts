/**
 * A near-exact MILP for small placement problems (the paper testbed), for
 * the benchmark only: the `optimal` model (src/domain/placement/strategies/
 * optimal-model.ts) on a finer per-accelerator utilisation grid, in two
 * forms that sandwich the true optimum under docs/design.md's model:
 *   - `restrict`: a slot at level k carries load ≤ c_k and each module on it
 *     is charged L/(1 − c_k) (≥ its true latency): every solution is a valid
 *     plan, so its value is a LOWER bound on the optimum;
 *   - `relax`: the same, but charged L/(1 − c_{k−1}) (the bucket's floor,
 *     ≤ the true latency of any load in (c_{k−1}, c_k]): every valid plan is
 *     a solution, so the solver's dual bound is an UPPER bound.
 * Both add valid cuts the `optimal` model lacks: a share needs its
 * deployment admitted (y ≤ a), and a share at a level whose charge plus the
 * fastest rest of the module's longest path misses the target excludes that
 * level (y + z ≤ 1). The objective is a weight per deployment (its fps, or
 * its fps at one priority level); `fixed` deployments must be admitted.
 * Columns O(D·M·V·S + S·K).
 */
import { restOfPath } from '../../src/domain/placement/latency-bound.js';
import { INF, MilpBuilder } from '../../src/domain/placement/milp.js';
import { buildPlan } from '../../src/domain/placement/plan-build.js';
import { type DeploymentInfo, type Problem, profileFor } from '../../src/domain/placement/problem.js';
import { dropLatencyViolators } from '../../src/domain/placement/strategies/baseline-kit.js';
import {
  addPathRows,
  addShare,
  addSlotRows,
  type DepCols,
  levelGrids,
  type OptimalModel,
  shareSink,
  solutionState,
} from '../../src/domain/placement/strategies/optimal-model.js';
import { admissionScore } from '../../src/domain/placement/strategy.js';
import { validatePlan } from '../../src/domain/placement/validator.js';

export type Form = 'restrict' | 'relax';

export interface ExactOptions {
  form: Form;
  /** Level tops below 1 − headroom (which is always added). */
  grid: readonly number[];
  /** Deployments that must be admitted. */
  fixed?: ReadonlySet<number>;
  /** Extra per-slot levels (a warm-start plan's utilisations, so that plan is representable). */
  extraLevels?: readonly number[];
}

export function buildExactModel(p: Problem, deps: readonly DeploymentInfo[], o: ExactOptions): OptimalModel {
  const b = new MilpBuilder('max');
  const h = p.headroom;
  const grid = [...o.grid.filter((c) => c > 1e-9 && c < 1 - h - 1e-9), 1 - h];
  const levelsOf = levelGrids(p, grid, o.extraLevels);
  // Charge per level: at its top (restrict) or at the previous level's top (relax).
  const chargeAt = (levels: number[], k: number): number =>
    o.form === 'restrict' ? levels[k]! : k === 0 ? 0 : levels[k - 1]!;
  const z = levelsOf.map((levels) => levels.map(() => b.bin()));
  const depCols = new Map<number, DepCols>();
  const admit = new Map<number, number>();
  const sink = shareSink(p, b, z);
  const rests = new Map<string, number[]>();
  for (const d of deps) {
    const app = p.apps.get(d.app)!;
    if (!rests.has(d.app)) rests.set(d.app, restOfPath(p, d.app));
    const rest = rests.get(d.app)!;
    const fixed = o.fixed?.has(d.index) ?? false;
    const a = b.col(0, fixed ? 1 : 0, 1, true);
    admit.set(d.index, a);
    const ell = app.modules.map(() => b.col(0, 0, INF));
    const start = app.modules.map(() => b.col(0, 0, INF));
    const used = app.modules.map(() => p.nodes.map(() => -1));
    let bigM = 0;
    for (const m of app.modules) {
      const serve: Array<[number, number]> = [[a, -d.fps]];
      let worst = 0;
      for (const v of m.variants)
        for (const s of p.slots) {
          if (s.gpu !== m.gpu) continue;
          const pr = profileFor(p, d.app, m.name, v.name, s.model);
          if (!pr) continue;
          const levels = levelsOf[s.index]!;
          const w = levels.map((_, k) => pr.latencyMs / (1 - chargeAt(levels, k)));
          // Levels where this share alone would break the target: excluded together with the share.
          const banned = w.map((wk) => wk + rest[m.index]! > d.latencyMs + 1e-9);
          if (banned.every(Boolean)) continue;
          // A share needs its deployment admitted (y ≤ a); a level where it alone breaks the target excludes it.
          const cuts = (y: number): void => {
            b.row(
              [
                [y, 1],
                [a, -1],
              ],
              -INF,
              0,
            );
            banned.forEach((ban, k) => {
              if (ban)
                b.row(
                  [
                    [y, 1],
                    [z[s.index]![k]!, 1],
                  ],
                  -INF,
                  1,
                );
            });
          };
          worst = Math.max(worst, addShare(sink, { d, m: m.index, v: v.name, s, pr, w }, { serve, ell, used }, cuts));
        }
      b.row(serve, 0, 0);
      bigM += worst;
    }
    // The router's hop and the longest path, as in `optimal`.
    const path = addPathRows(b, p, app, { ell, start, used }, bigM);
    bigM = path.bigM;
    const { finish, hops } = path;
    depCols.set(d.index, { admit: a, ell, start, finish, used, hops });
    if (fixed) b.row([[finish, 1]], -INF, d.latencyMs);
    else
      b.row(
        [
          [finish, 1],
          [a, bigM],
        ],
        -INF,
        d.latencyMs + bigM,
      );
  }
  addSlotRows(b, p, z, levelsOf, sink.terms);
  return { b, xs: sink.xs, admit, deps: depCols, z, levels: levelsOf };
}

/**
 * The plan a `restrict` solution describes (shares rescaled to each module's exact fps; deployments the
 * solver's tolerance left over their target dropped), with its fps per priority level and the validator's count.
 */
export function planOf(p: Problem, model: OptimalModel, values: ArrayLike<number>) {
  const state = solutionState(p, model, values);
  const reasons = new Map<number, string>();
  dropLatencyViolators(state, reasons, 'exact (solver tolerance)');
  for (const d of p.deployments)
    if (!state.isPlaced(d.index) && !reasons.has(d.index)) reasons.set(d.index, 'left out');
  const plan = buildPlan('exact', state, reasons);
  return { plan, levels: admissionScore(state), violations: validatePlan(p, plan).length };
}
