/**
 * The leader's planner: the placement engine (planPlacement) over the live
 * nodes for every deployment whose app has measured profiles; a deployment
 * whose app has none yet runs on the stand-in (whole DAG on the least
 * loaded live node) until the profiler has measured it, since the engine
 * can only reject what it cannot size. A module's measured frame size
 * (its profile's `frameKB`) prices its cross-node edges. The previous plan goes in, so
 * re-planning after a node's loss or return moves as little as it can.
 */
import { planPlacement } from '../placement/index.js';
import type { PlanOptions } from '../placement/strategy.js';
import { withMeasuredFrameSizes } from '../profiling/frame-size.js';
import type { ClusterDocument, NetworkSpec, NodeInventory, Plan } from '../types.js';
import type { ClusterPlanner } from './planner.js';
import { standInPlan } from './stand-in-plan.js';

export const DEFAULT_NETWORK: NetworkSpec = { bandwidthMbps: 1000, rttMs: 0.5 };

export function clusterPlanner(options: PlanOptions, network: NetworkSpec = DEFAULT_NETWORK): ClusterPlanner {
  return (doc: ClusterDocument, nodes: NodeInventory[], previous: Plan | undefined): Plan => {
    const profiles = doc.profiles.filter((p) => p.state === 'ok');
    const profiled = new Set(profiles.map((p) => p.app));
    const sized = doc.deployments.filter((d) => profiled.has(d.app));
    const unsized = doc.deployments.filter((d) => !profiled.has(d.app));
    const only = (p: Plan | undefined, names: Set<string>): Plan | undefined => p && ({
      ...p, placements: p.placements.filter((x) => names.has(x.deployment)), rejected: p.rejected.filter((x) => names.has(x.deployment)),
    });
    const engine = sized.length && nodes.length
      ? planPlacement({ nodes, network }, withMeasuredFrameSizes(doc.apps.map((a) => a.manifest), profiles), profiles, sized,
        options, only(previous, new Set(sized.map((d) => d.name))))
      : undefined;
    const standIn = unsized.length || !engine
      ? standInPlan({ ...doc, deployments: unsized }, nodes, only(previous, new Set(unsized.map((d) => d.name))))
      : undefined;
    if (!engine) return standIn!;
    if (!standIn) return engine;
    return {
      ...engine,
      strategy: `${engine.strategy}+stand-in`,
      placements: [...engine.placements, ...standIn.placements],
      rejected: [...engine.rejected, ...standIn.rejected],
      moves: (engine.moves ?? 0) + (standIn.moves ?? 0),
    };
  };
}
