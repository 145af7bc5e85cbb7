/**
 * The leader's planner: the placement engine (planPlacement) over the live
 * nodes for every deployment whose app it can size (app-sizing.ts: every
 * module has an ok profile on a model the nodes have); the others run on
 * the stand-in, keeping where they ran, until the profiler has measured
 * them, since the engine can only reject what it cannot size. A deployment
 * the engine rejects while its app is still being profiled on some model
 * present stays on the stand-in too: profiling never costs a stream. A
 * module's measured frame sizes (its profile's `frameKB`, the client's frame
 * as the profiler sent it) price the router's hops between boxes, over each
 * link as configured or measured at join (membership/links.ts). The
 * previous plan goes in, so re-planning after a node's loss or return moves
 * as little as it can. Never throws on partial
 * profiles; every deployment ends up placed or rejected with a reason.
 */
import { planPlacement } from '../placement/index.js';
import type { PlanOptions } from '../placement/strategy.js';
import { withMeasuredFrameSizes } from '../profiling/frame-size.js';
import { clusterNetwork, type NetworkConfig } from '../membership/links.js';
import type { ClusterDocument, NodeInventory, Plan, StoredDeployment } from '../types.js';
import { appSizing, type AppSizing } from './app-sizing.js';
import type { ClusterPlanner } from './planner.js';
import { standInPlan } from './stand-in-plan.js';

const only = (p: Plan | undefined, names: Set<string>): Plan | undefined =>
  p && {
    ...p,
    placements: p.placements.filter((x) => names.has(x.deployment)),
    rejected: p.rejected.filter((x) => names.has(x.deployment)),
  };
const namesOf = (ds: readonly StoredDeployment[]): Set<string> => new Set(ds.map((d) => d.name));

/** A stand-in rejection says what sizing lacks too (the missing profiles, named). */
function explain(reason: string, sizing: AppSizing | undefined, engineReason: string | undefined): string {
  const parts = [reason];
  if (engineReason) parts.push(`placement: ${engineReason}`);
  if (sizing && !sizing.sized) parts.push(`not yet sized: ${sizing.missing.join('; ')}`);
  if (sizing?.profiling) parts.push('profiling is under way');
  return parts.join('; ');
}

export function clusterPlanner(options: PlanOptions, net: NetworkConfig = {}): ClusterPlanner {
  return (doc: ClusterDocument, nodes: NodeInventory[], previous: Plan | undefined): Plan => {
    const sizing = new Map(doc.apps.map((a) => [a.name, appSizing(a, doc.profiles, nodes)]));
    const sized = nodes.length ? doc.deployments.filter((d) => sizing.get(d.app)?.sized) : [];
    let engine: Plan | undefined;
    const engineReasons = new Map<string, string>();
    if (sized.length) {
      const profiles = doc.profiles.filter((p) => p.state === 'ok');
      const apps = withMeasuredFrameSizes(
        doc.apps.map((a) => a.manifest),
        profiles,
      );
      const network = clusterNetwork(
        nodes.map((n) => n.id),
        doc.members,
        net,
      );
      engine = planPlacement({ nodes, ...network }, apps, profiles, sized, options, only(previous, namesOf(sized)));
      const appOf = new Map(sized.map((d) => [d.name, d.app]));
      const waiting = engine.rejected.filter((r) => sizing.get(appOf.get(r.deployment)!)?.profiling);
      for (const r of waiting) engineReasons.set(r.deployment, r.reason);
      if (waiting.length) engine = only(engine, new Set(sized.map((d) => d.name).filter((n) => !engineReasons.has(n))));
    }
    const engineNames = new Set(engine ? [...engine.placements, ...engine.rejected].map((x) => x.deployment) : []);
    const rest = doc.deployments.filter((d) => !engineNames.has(d.name));
    if (!rest.length && engine) return engine;
    const standIn = standInPlan({ ...doc, deployments: rest }, nodes, only(previous, namesOf(rest)));
    const appOf = new Map(rest.map((d) => [d.name, d.app]));
    standIn.rejected = standIn.rejected.map((r) => ({
      ...r,
      reason: explain(r.reason, sizing.get(appOf.get(r.deployment)!), engineReasons.get(r.deployment)),
    }));
    if (!engine) return standIn;
    return {
      ...engine,
      strategy: `${engine.strategy}+stand-in`,
      placements: [...engine.placements, ...standIn.placements],
      rejected: [...engine.rejected, ...standIn.rejected],
      moves: (engine.moves ?? 0) + (standIn.moves ?? 0),
    };
  };
}
