import type { Config } from './config/schema.js';
import { clusterPlanner } from './domain/planning/cluster-planner.js';
import type { ClusterPlanner } from './domain/planning/planner.js';
import { strategySwitch, type StrategySwitch } from './domain/planning/strategy-switch.js';

/**
 * The leader's planner from the config: the placement engine for apps with
 * measured profiles, and the stand-in (every module on one node) for apps the
 * profiler has not measured yet. A box on its own is its own leader and plans
 * with it over itself.
 */
export function placementPlanner(config: Config): ClusterPlanner {
  return placementSwitch(config).planner;
}

/** The same, with its strategy switchable while the appliance runs (PUT /v1/plan/strategy). */
export function placementSwitch(config: Config): StrategySwitch {
  return strategySwitch({ strategy: config.placement.strategy, headroom: config.placement.headroom }, (o) =>
    clusterPlanner(o, { network: config.cluster.network, links: config.cluster.links }),
  );
}
