/**
 * The ReplicaDirectory the router reads on every frame: a PlannedReplicaDirectory
 * over a snapshot of the cluster document and the replicas' states, rebuilt
 * lazily when the snapshot is older than `refreshMs`, or sooner after a
 * replica failed a frame. Nothing runs while no frame arrives, and the
 * document is not copied per frame.
 */
import {
  PlannedReplicaDirectory,
  type DeploymentRoute,
  type ReplicaDirectory,
} from '../domain/routing/replica-directory.js';
import type { ClusterDocument, ReplicaStatus } from '../domain/types.js';

/** Replica states of other nodes, as far as they are known. */
export interface RemoteReplicas {
  /** Known lists by node id; asks (in the background) for the nodes in `wanted` whose list is missing or old. */
  snapshot(
    wanted: readonly { id: string; address: string }[],
    now: number,
  ): ReadonlyMap<string, readonly ReplicaStatus[]>;
  /** Waits (at most `maxWaitMs`) for members asked for the first time; false when none was being asked. */
  firstAnswers(maxWaitMs: number): Promise<boolean>;
}

export interface DirectorySources {
  self: string;
  store: { read(): ClusterDocument };
  /** This node's supervisor. */
  local: { replicas(): ReplicaStatus[] };
  remote?: RemoteReplicas;
  /** Rebuild at most this often under steady traffic (ms). */
  refreshMs?: number;
  /** After an invalidation or for an unknown deployment, wait at least this long between rebuilds (ms). */
  minRefreshMs?: number;
  /** Told the deployment names of each new snapshot (to forget state of removed ones). */
  onRebuild?: (names: ReadonlySet<string>) => void;
}

export class LiveReplicaDirectory {
  private current: ReplicaDirectory | undefined;
  private builtAt = -Infinity;
  private stale = false;
  private doc: ClusterDocument | undefined;
  private readonly refreshMs: number;
  private readonly minRefreshMs: number;

  constructor(private readonly src: DirectorySources) {
    this.refreshMs = src.refreshMs ?? 500;
    this.minRefreshMs = src.minRefreshMs ?? 50;
  }

  route(name: string, now: number): DeploymentRoute {
    const age = now - this.builtAt;
    if (!this.current || age >= this.refreshMs || (this.stale && age >= this.minRefreshMs)) this.rebuild(now);
    let r = this.current!.route(name);
    // A deployment created a moment ago: look again rather than answer 404 from an old snapshot.
    if (r.kind === 'unknown' && now - this.builtAt >= this.minRefreshMs) {
      this.rebuild(now);
      r = this.current!.route(name);
    }
    return r;
  }

  /**
   * A route lacks replicas: if a member is being asked for its replicas for
   * the first time, wait for it (at most `maxWaitMs`) and route again.
   */
  async routeAfterFirstAnswers(
    name: string,
    maxWaitMs: number,
    now: () => number,
  ): Promise<DeploymentRoute | undefined> {
    if (!this.src.remote || !(await this.src.remote.firstAnswers(maxWaitMs))) return undefined;
    this.stale = true;
    this.builtAt = -Infinity;
    return this.route(name, now());
  }

  /** A replica failed a frame: read the states again on the next frame. */
  invalidate(): void {
    this.stale = true;
  }

  private rebuild(now: number): void {
    const doc = this.src.store.read();
    const replicas = new Map<string, readonly ReplicaStatus[]>();
    const remoteNodes = new Set<string>();
    for (const p of doc.plan?.placements ?? []) if (p.node !== this.src.self) remoteNodes.add(p.node);
    if (remoteNodes.size && this.src.remote) {
      const wanted = doc.members.filter((m) => remoteNodes.has(m.id)).map((m) => ({ id: m.id, address: m.address }));
      for (const [node, list] of this.src.remote.snapshot(wanted, now)) replicas.set(node, list);
    }
    replicas.set(this.src.self, this.src.local.replicas());
    if (this.src.onRebuild && this.doc?.version !== doc.version)
      this.src.onRebuild(new Set(doc.deployments.map((d) => d.name)));
    this.doc = doc;
    this.current = new PlannedReplicaDirectory({ self: this.src.self, doc, replicas });
    this.builtAt = now;
    this.stale = false;
  }
}
