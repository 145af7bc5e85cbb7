/**
 * The placement strategy a box plans with, switchable while it runs (an
 * admin's `PUT /v1/plan/strategy`, used by `bench:testbed` to compare
 * strategies on one running cluster without profiling it again). It starts
 * at the config's `placement.strategy`; a switch takes effect at the next
 * plan. It is this box's setting, not the cluster's: only the leader plans,
 * so a benchmark sets it on every box. No I/O.
 */
import type { PlanOptions } from '../placement/strategy.js';
import type { ClusterPlanner } from './planner.js';

export interface StrategySwitch {
  /** Plans with the strategy of the moment. */
  planner: ClusterPlanner;
  strategy(): string;
  /** The caller checks the name (config/placement-strategy.ts). */
  set(strategy: string): void;
}

export function strategySwitch(options: PlanOptions, make: (options: PlanOptions) => ClusterPlanner): StrategySwitch {
  let current = options.strategy ?? 'rim';
  let planner = make(options);
  return {
    planner: (doc, nodes, previous) => planner(doc, nodes, previous),
    strategy: () => current,
    set: (strategy) => {
      if (strategy === current) return;
      current = strategy;
      planner = make({ ...options, strategy });
    },
  };
}
