/**
 * The ReplicaDirectory the router reads on every frame: a PlannedReplicaDirectory
 * over a snapshot of the cluster document and the replicas' states, rebuilt
 * lazily when the snapshot is older than `refreshMs`, or sooner after a
 * replica failed a frame or changed health. Nothing runs while no frame
 * arrives, and the document is not copied per frame. A rebuild is
 * O(placements + replicas); a frame costs a map lookup.
 *
 * Refresh ahead: once a frame has been answered and the snapshot is older
 * than `aheadMs`, the rebuild runs then (after the answer is written, in
 * `setImmediate`), so under steady traffic the frame that would find the
 * snapshot past `refreshMs` finds a fresh one, and no frame waits for a
 * rebuild (a rebuild copies the whole document: ~0.3 ms of the frame's time
 * at 50 fps, every 25th frame, before this). `route()` still never routes on
 * a snapshot older than `refreshMs`.
 */
import {
  PlannedReplicaDirectory,
  type DeploymentRoute,
  type ReplicaDirectory,
} from '../domain/routing/replica-directory.js';
import type { Health } from '../domain/routing/rotation.js';
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
  /** This node's supervisor: its replicas, and where they answer (their sandbox's address; loopback if absent). */
  local: { replicas(): ReplicaStatus[]; replicaHost?(): string };
  remote?: RemoteReplicas;
  /** The health prober: which replicas answer /healthz (without one, running replicas count as ready). */
  health?: {
    health(replica: string, host: string, port: number, via?: string): Health;
    firstAnswers(maxWaitMs: number): Promise<boolean>;
  };
  /** Rebuild at most this often under steady traffic (ms). */
  refreshMs?: number;
  /** After an invalidation or for an unknown deployment, wait at least this long between rebuilds (ms). */
  minRefreshMs?: number;
  /** After an answer, rebuild (off the frame's path) once the snapshot is this old (ms; default 80% of refreshMs). */
  aheadMs?: number;
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
  private readonly aheadMs: number;
  private aheadQueued = false;

  constructor(private readonly src: DirectorySources) {
    this.refreshMs = src.refreshMs ?? 500;
    this.minRefreshMs = src.minRefreshMs ?? 50;
    this.aheadMs = src.aheadMs ?? this.refreshMs * 0.8;
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
   * the first time, or replicas await their first health probe, wait for
   * them (until `deadline`) and route again; undefined when nothing was pending.
   */
  async routeAfterFirstAnswers(
    name: string,
    deadline: number,
    now: () => number,
  ): Promise<DeploymentRoute | undefined> {
    // The answers may have come while the frame's body was read: route again on fresh data first.
    this.stale = true;
    this.builtAt = -Infinity;
    let route: DeploymentRoute | undefined = this.route(name, now());
    if (route.kind !== 'routable' || route.modules.every((m) => m.endpoints.length > 0)) return route;
    // Twice at most: a member's first list names replicas that then await their first probe.
    for (let i = 0; i < 2; i++) {
      const waited =
        (await this.src.remote?.firstAnswers(deadline - now())) ||
        (await this.src.health?.firstAnswers(deadline - now()));
      if (!waited) break;
      this.stale = true;
      this.builtAt = -Infinity;
      route = this.route(name, now());
      if (route.kind !== 'routable' || route.modules.every((m) => m.endpoints.length > 0)) break;
    }
    return route;
  }

  /**
   * A frame was answered: if the snapshot is older than `aheadMs`, rebuild it
   * in `setImmediate` (after the answer's bytes are written), once however
   * many frames ask meanwhile.
   */
  refreshAhead(now: () => number): void {
    if (this.aheadQueued || !this.current || now() - this.builtAt < this.aheadMs) return;
    this.aheadQueued = true;
    setImmediate(() => {
      this.aheadQueued = false;
      const t = now();
      if (t - this.builtAt >= this.aheadMs) this.rebuild(t);
    });
  }

  /** The cluster document of the current snapshot. */
  document(): ClusterDocument | undefined {
    return this.doc;
  }

  /** A replica failed a frame: read the states again on the next frame. */
  invalidate(): void {
    this.stale = true;
  }

  private rebuild(now: number): void {
    const doc = this.src.store.read();
    const replicas = new Map<string, readonly ReplicaStatus[]>();
    if (this.src.remote) {
      // Every alive member: its replicas (ports) and its arrival rates (admission shares).
      const wanted = doc.members.filter((m) => m.id !== this.src.self && m.state === 'alive');
      for (const [node, list] of this.src.remote.snapshot(wanted, now)) replicas.set(node, list);
    }
    replicas.set(this.src.self, this.src.local.replicas());
    if (this.src.onRebuild && this.doc?.version !== doc.version)
      this.src.onRebuild(new Set(doc.deployments.map((d) => d.name)));
    this.doc = doc;
    const health = this.src.health;
    this.current = new PlannedReplicaDirectory({
      self: this.src.self,
      doc,
      replicas,
      ...(this.src.local.replicaHost ? { localHost: this.src.local.replicaHost() } : {}),
      ...(health ? { health: (r, h, p, v) => health.health(r, h, p, v) } : {}),
    });
    this.builtAt = now;
    this.stale = false;
  }
}
