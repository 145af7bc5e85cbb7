/**
 * planPlacement: the placement engine's one entry point. Pure: the same
 * inputs give the same plan (only `solveMs` reads the injected clock; the
 * `optimal` strategy is repeatable unless its solver hits the time limit,
 * which its `status` then says).
 */
import { ValidationError } from '../errors.js';
import type { AppSpec, ClusterSpec, Deployment, Plan, Profile } from '../types.js';
import { buildProblem, DEFAULT_HEADROOM, variantOf } from './problem.js';
import type { PlanOptions, Strategy } from './strategy.js';
import { ffdStrategy } from './strategies/ffd.js';
import { nexusStrategy } from './strategies/nexus.js';
import { optimalStrategy } from './strategies/optimal.js';
import { rimStrategy } from './strategies/rim.js';
import { spreadStrategy } from './strategies/spread.js';

export const STRATEGIES: ReadonlyMap<string, Strategy> = new Map(
  [rimStrategy, nexusStrategy, spreadStrategy, ffdStrategy, optimalStrategy].map((s) => [s.name, s]),
);

const rowKey = (pl: Plan['placements'][number]): string =>
  `${pl.deployment}\u0000${pl.module}\u0000${variantOf(pl.variant)}\u0000${pl.node}\u0000${pl.accelerator}`;

/**
 * Replicas moved: rows of the previous plan (deployment, module, variant,
 * node, accelerator) of a deployment admitted in both plans that the new
 * plan no longer has. A row on a lost node counts too (it had to move).
 */
export function countMoves(previous: Plan, next: Plan): number {
  const admitted = new Set(next.placements.map((pl) => pl.deployment));
  const now = new Set(next.placements.map(rowKey));
  return previous.placements.filter((pl) => admitted.has(pl.deployment) && !now.has(rowKey(pl))).length;
}

export function planPlacement(
  cluster: ClusterSpec,
  apps: AppSpec[],
  profiles: Profile[],
  deployments: Deployment[],
  options: PlanOptions = {},
  previous?: Plan,
): Plan {
  const name = options.strategy ?? 'rim';
  const strategy = STRATEGIES.get(name);
  if (!strategy) throw new ValidationError(`strategy: unknown "${name}" (one of ${[...STRATEGIES.keys()].join(', ')})`, 'strategy');
  const headroom = options.headroom ?? DEFAULT_HEADROOM;
  if (!(headroom >= 0 && headroom < 1)) throw new ValidationError(`headroom: ${headroom} is not in [0, 1)`, 'headroom');
  const start = options.clock?.() ?? 0;
  const problem = buildProblem(cluster, apps, profiles, deployments, headroom);
  const plan = strategy.plan({ problem, options, previous });
  plan.solveMs = options.clock ? Number((options.clock() - start).toFixed(3)) : 0;
  if (previous) plan.moves = countMoves(previous, plan);
  return plan;
}

export { buildProblem } from './problem.js';
export { validatePlan, type Violation } from './validator.js';
export type { PlanOptions, Strategy } from './strategy.js';
