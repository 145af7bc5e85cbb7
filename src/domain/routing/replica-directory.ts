/**
 * Where a deployment's frames go: for each module of its DAG, the replicas
 * the plan gives it (weighted by their planned fps share) and the address
 * each one answers on. Pure data in (the plan's placements, the replicas'
 * states by node, the members' addresses), routes out.
 *
 * A replica on this node answers on `localHost`:<port>, its sandbox's address
 * on the node's internal replica network (the fence, docs/design.md: only the
 * appliance reaches it); one on another node is reached through that member's
 * peer API (`via`: its address), which hands the call to the replica there. Only replicas in rotation
 * (rotation.ts: running, on an alive member, /healthz answered) are
 * eligible; the others are named in `missing`, so that a 503 can say which
 * endpoint is lacking and why.
 */
import { DEFAULT_VARIANT } from '../manifest.js';
import { replicaName } from '../replica-spec.js';
import type { ClusterDocument, Member, ReplicaStatus, StoredDeployment } from '../types.js';
import { chainPlan, type ChainPlan } from './chain-plan.js';
import { outOfRotation, type Health } from './rotation.js';

export interface Endpoint {
  replica: string;
  node: string;
  /** This node's replicas' address (their sandbox's), else the member's host (its replica-port key for health). */
  host: string;
  port: number;
  /** Planned fps of this deployment on this replica. */
  weight: number;
  /** A replica on another node: that member's API address ("host:port"), whose peer API forwards the call. */
  via?: string;
}

export interface ModuleTargets {
  module: string;
  endpoints: readonly Endpoint[];
  /** Planned replicas that cannot take frames now, each with why. */
  missing: readonly string[];
  /** Changes whenever `endpoints` do: lets a caller keep its round-robin state across rebuilds. */
  key: string;
}

export type DeploymentRoute =
  | { kind: 'routable'; deployment: StoredDeployment; plan: ChainPlan; modules: readonly ModuleTargets[] }
  | { kind: 'unknown' }
  | { kind: 'rejected'; deployment: StoredDeployment; reason: string }
  | { kind: 'unplaced'; deployment: StoredDeployment; reason: string };

/** Where a deployment's frames go, as of some snapshot of the cluster. */
export interface ReplicaDirectory {
  route(deployment: string): DeploymentRoute;
}

export interface DirectoryInput {
  /** This node's id. */
  self: string;
  doc: Pick<ClusterDocument, 'apps' | 'deployments' | 'plan' | 'members'>;
  /** Replica states by node id; a node missing here has not told us its replicas (their ports are unknown). */
  replicas: ReadonlyMap<string, readonly ReplicaStatus[]>;
  /** Where this node's replicas answer (their sandbox's address); loopback when unset. */
  localHost?: string;
  /** What the health prober knows of a replica at host:port; without it every running replica counts as ready. */
  health?: (replica: string, host: string, port: number, via?: string) => Health;
}

export const LOOPBACK = '127.0.0.1';

/** The host part of "host:port", "[v6]:port" or a bare host. */
export function hostOf(address: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (v6) return v6[1]!;
  const i = address.lastIndexOf(':');
  return i > 0 && address.indexOf(':') === i ? address.slice(0, i) : address;
}

/** Routes computed once per deployment per snapshot, on first use. */
export class PlannedReplicaDirectory implements ReplicaDirectory {
  private readonly routes = new Map<string, DeploymentRoute>();
  private readonly byName = new Map<string, ReplicaStatus>();

  constructor(private readonly input: DirectoryInput) {
    for (const list of input.replicas.values()) for (const r of list) this.byName.set(r.name, r);
  }

  route(name: string): DeploymentRoute {
    let r = this.routes.get(name);
    if (!r) {
      r = this.build(name);
      this.routes.set(name, r);
    }
    return r;
  }

  private build(name: string): DeploymentRoute {
    const { doc } = this.input;
    const deployment = doc.deployments.find((d) => d.name === name);
    if (!deployment) return { kind: 'unknown' };
    if (!doc.plan) return { kind: 'unplaced', deployment, reason: `deployment "${name}" is not placed yet (no plan)` };
    const rejected = doc.plan.rejected.find((x) => x.deployment === name);
    if (rejected) return { kind: 'rejected', deployment, reason: rejected.reason };
    const app = doc.apps.find((a) => a.name === deployment.app);
    if (!app)
      return {
        kind: 'unplaced',
        deployment,
        reason: `app "${deployment.app}" of deployment "${name}" is not registered`,
      };
    const placements = doc.plan.placements.filter((p) => p.deployment === name);
    if (!placements.length) return { kind: 'unplaced', deployment, reason: `deployment "${name}" is not placed yet` };

    const plan = chainPlan(app.manifest);
    const modules = plan.steps.map((step): ModuleTargets => {
      const weights = new Map<string, { node: string; weight: number }>();
      for (const p of placements) {
        if (p.module !== step.module) continue;
        const replica = replicaName(p.node, app.name, p.module, p.variant ?? DEFAULT_VARIANT, p.accelerator);
        const w = weights.get(replica);
        weights.set(replica, { node: p.node, weight: (w?.weight ?? 0) + p.fps });
      }
      const endpoints: Endpoint[] = [];
      const missing: string[] = [];
      if (!weights.size) missing.push(`module ${step.module} has no placement`);
      for (const [replica, { node, weight }] of [...weights].sort(([a], [b]) => a.localeCompare(b))) {
        const found = this.endpoint(replica, node, weight);
        if (typeof found === 'string') missing.push(found);
        else endpoints.push(found);
      }
      return {
        module: step.module,
        endpoints,
        missing,
        key: endpoints.map((e) => `${e.replica}@${e.host}:${e.port}*${e.weight}`).join(','),
      };
    });
    return { kind: 'routable', deployment, plan, modules };
  }

  private endpoint(replica: string, node: string, weight: number): Endpoint | string {
    const { self, doc } = this.input;
    let host = this.input.localHost ?? LOOPBACK;
    let via: string | undefined;
    let memberState: Member['state'] | undefined;
    if (node !== self) {
      const member = doc.members.find((m) => m.id === node);
      if (!member) return `replica ${replica}: node ${node} is not a member (no address)`;
      host = hostOf(member.address);
      via = member.address;
      memberState = member.state;
    }
    if (memberState !== undefined && memberState !== 'alive') {
      return `replica ${replica}: node ${node} is ${memberState}`;
    }
    if (!this.input.replicas.has(node))
      return `replica ${replica}: node ${node} has not reported its replicas (port unknown)`;
    const status = this.byName.get(replica);
    if (!status) return `replica ${replica} on ${node}: not running there yet`;
    // Asked only of running replicas: the prober then probes these (and no others).
    const health =
      status.state !== 'running' || !this.input.health ? 'ready' : this.input.health(replica, host, status.port, via);
    const why = outOfRotation({ replica, node, replicaState: status.state, memberState, health });
    if (why) return why;
    return via
      ? { replica, node, host, port: status.port, weight, via }
      : { replica, node, host, port: status.port, weight };
  }
}
