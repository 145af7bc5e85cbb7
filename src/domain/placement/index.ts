/**
 * planPlacement: the placement engine's one entry point. Pure: the same
 * inputs give the same plan (only `solveMs` reads the injected clock; the
 * `optimal` strategy is repeatable unless its solver hits the time limit,
 * which its `status` then says).
 */
import { ValidationError } from '../errors.js';
import type { AppSpec, ClusterSpec, Deployment, Plan, Profile } from '../types.js';
import { countMoves } from './plan-build.js';
import { buildProblem, DEFAULT_HEADROOM, profiledPlan } from './problem.js';
import type { PlanOptions, Strategy } from './strategy.js';
import { ffdStrategy } from './strategies/ffd.js';
import { nexusStrategy } from './strategies/nexus.js';
import { optimalStrategy } from './strategies/optimal.js';
import { rimStrategy } from './strategies/rim.js';
import { spreadStrategy } from './strategies/spread.js';

export const STRATEGIES: ReadonlyMap<string, Strategy> = new Map(
  [rimStrategy, nexusStrategy, spreadStrategy, ffdStrategy, optimalStrategy].map((s) => [s.name, s]),
);

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
  if (!strategy)
    throw new ValidationError(`strategy: unknown "${name}" (one of ${[...STRATEGIES.keys()].join(', ')})`, 'strategy');
  const headroom = options.headroom ?? DEFAULT_HEADROOM;
  if (!(headroom >= 0 && headroom < 1)) throw new ValidationError(`headroom: ${headroom} is not in [0, 1)`, 'headroom');
  const start = options.clock?.() ?? 0;
  const problem = buildProblem(cluster, apps, profiles, deployments, headroom);
  const plan = strategy.plan({ problem, options, previous: previous && profiledPlan(problem, previous) });
  plan.solveMs = options.clock ? Number((options.clock() - start).toFixed(3)) : 0;
  if (previous) plan.moves = countMoves(previous, plan);
  return plan;
}

export { buildProblem } from './problem.js';
export { countMoves } from './plan-build.js';
export { validatePlan, type Violation } from './validator.js';
export type { PlanOptions, Strategy } from './strategy.js';
