/**
 * bench:testbed's load search, offline: the leader's own planner
 * (clusterPlanner, with the cluster's profiles, inventories and links as the
 * boxes report them) asked, for each scale of the workload and each
 * strategy, what it would admit. The bench runs at the lowest scale where
 * rim admits everything and every other strategy cannot (the least load that
 * shows the difference to each: the host's own cores are shared), else the
 * lowest where one of them cannot, else the highest where rim admits
 * everything; nothing is deployed to find it.
 */
import { clusterPlanner } from '../../src/domain/planning/cluster-planner.js';
import type { ClusterDocument, Member, RegisteredApp, StoredProfile } from '../../src/domain/types.js';

export interface OfflineRow {
  name: string;
  app: string;
  fps: number;
  latencyMs: number;
}

export interface OfflineInput {
  apps: RegisteredApp[];
  profiles: StoredProfile[];
  members: Member[];
  headroom?: number;
}

export interface Admission {
  admitted: number;
  rejected: { deployment: string; reason: string }[];
}

/** What `strategy` would admit of `rows` on the cluster, planned from scratch. */
export function offlineAdmission(input: OfflineInput, rows: readonly OfflineRow[], strategy: string): Admission {
  const doc: ClusterDocument = {
    version: 1,
    clusterName: 'offline',
    apps: input.apps,
    profiles: input.profiles,
    members: input.members,
    deployments: rows.map((r) => ({ ...r, priority: 0, createdAt: 0 })),
  };
  const nodes = input.members.flatMap((m) => (m.state === 'alive' && m.inventory ? [m.inventory] : []));
  const plan = clusterPlanner({ strategy, headroom: input.headroom ?? 0.1 })(doc, nodes, undefined);
  const placed = new Set(plan.placements.map((p) => p.deployment));
  return {
    admitted: rows.filter((r) => placed.has(r.name)).length,
    rejected: plan.rejected.map((r) => ({ deployment: r.deployment, reason: r.reason })),
  };
}

export interface ScaleVerdict {
  scale: number;
  /** Deployments each strategy admits, by strategy. */
  admitted: Record<string, number>;
}

/**
 * The scale to run at, from verdicts in any order: the lowest where rim
 * admits all `count` and every other strategy admits fewer (the comparison
 * then tells rim from each of them), else the lowest where one of them
 * admits fewer, else the highest where rim admits all; undefined when rim
 * admits all at none.
 */
export function chooseScale(verdicts: readonly ScaleVerdict[], count: number): ScaleVerdict | undefined {
  const all = [...verdicts].filter((v) => v.admitted.rim === count).sort((a, b) => b.scale - a.scale);
  const others = (v: ScaleVerdict) => Object.entries(v.admitted).filter(([s]) => s !== 'rim');
  const everyOther = all.filter((v) => others(v).length > 0 && others(v).every(([, n]) => n < count));
  const another = all.filter((v) => others(v).some(([, n]) => n < count));
  return everyOther[everyOther.length - 1] ?? another[another.length - 1] ?? all[0];
}
