/**
 * The data plane of one appliance: `POST /v1/deployments/:name/frames`
 * (docs/design.md, "The module contract (data plane)"). The composition root
 * gives the HTTP server's requests to `intercept` ahead of express, so a
 * frame's raw bytes reach it unparsed (the API parses JSON) and cost no
 * express routing; answers use the API's `{error:{code,message}}` shape.
 *
 * Frames are data, not changes: open on the LAN when `api.openReads` is
 * (the default), otherwise they need the admin token like any change.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router } from 'express';
import type { PeerCaller } from '../cluster/peer-client.js';
import type { ProbeConfig } from '../domain/routing/rotation.js';
import { LOOPBACK } from '../domain/routing/replica-directory.js';
import type { StatsWindow } from '../domain/routing/stats-window.js';
import type { ClusterDocument, ReplicaStatus } from '../domain/types.js';
import type { Logger } from '../log.js';
import { ClusterAdmission } from './cluster-admission.js';
import { FrameRouter } from './frame-router.js';
import { createFramesHandler, frameTarget } from './frames-http.js';
import { HealthProber } from './health-prober.js';
import { IdleScavenger, type YoungGeneration } from './idle-scavenge.js';
import { LiveReplicaDirectory } from './live-directory.js';
import { MemberReplicas } from './member-replicas.js';
import { remoteHealth, type HopTarget } from './replica-hop.js';
import { RouterStats } from './router-stats.js';
import { UpstreamClient, type RemoteInfer } from './upstream-client.js';

export interface DataPlaneDeps {
  nodeId: string;
  store: { read(): ClusterDocument };
  supervisor: { replicas(): ReplicaStatus[]; replicaHost?(): string };
  adminToken: string;
  /** Frames without the admin token (config api.openReads). */
  openFrames: boolean;
  logger: Logger;
  now: () => number;
  /** Largest frame accepted (bytes); 16 MiB by default. */
  maxFrameBytes?: number;
  /** The signed peer API's client (a cluster member): other members' replicas and arrival rates. */
  peers?: PeerCaller;
  /** Frames to replicas of other members, through their peer API (replica-hop.ts's PeerHop). */
  hop?: RemoteInfer;
  /** Health probing of replicas; `false` routes to every running replica unprobed (tests of other parts). */
  probe?: Partial<ProbeConfig> | false;
  /**
   * The process's young generation (src/adapters/v8-young-generation.ts): scavenged when no frame is
   * in flight (idle-scavenge.ts). Unset: every collection is V8's own, inside some frame.
   */
  young?: YoungGeneration;
}

/** What this box tells the other members over the peer API (src/router/router-peer-api.ts). */
export interface DataPlaneReport {
  replicas(): { replicas: ReplicaStatus[]; arrivals: Record<string, number> };
  windows(): Record<string, StatsWindow>;
  /** This box's replicas, for frames other members forward here (replica-hop.ts). */
  hop: HopTarget;
}

export interface DataPlane {
  /** An express Router serving frames (mount ahead of any body parser). */
  router: Router;
  /**
   * For the HTTP server's request listener, ahead of express: serves the
   * request and returns true when it is a frame, else returns false.
   */
  intercept(req: IncomingMessage, res: ServerResponse): boolean;
  stats: RouterStats;
  frames: FrameRouter;
  /** The idle scavenger, when `young` was given. */
  idle: IdleScavenger | undefined;
  report: DataPlaneReport;
  /** The cluster document changed (a commit): the next frame reads it afresh (a member turned suspect is out then). */
  changed(): void;
  close(): void;
}

export function createDataPlane(deps: DataPlaneDeps): DataPlane {
  const stats = new RouterStats(deps.now);
  const client = new UpstreamClient(deps.hop ? { hop: deps.hop } : {});
  // The closures below run only once frames flow, after every const here is set.
  const invalidate = () => directory.invalidate();
  const remote = deps.peers
    ? new MemberReplicas({ peers: deps.peers, logger: deps.logger, now: deps.now, onUpdate: invalidate })
    : undefined;
  const prober =
    deps.probe === false
      ? undefined
      : new HealthProber({
          now: deps.now,
          onChange: invalidate,
          config: deps.probe,
          ...(deps.peers ? { remote: remoteHealth(deps.peers) } : {}),
        });
  const directory: LiveReplicaDirectory = new LiveReplicaDirectory({
    self: deps.nodeId,
    store: deps.store,
    local: deps.supervisor,
    remote,
    health: prober,
    onRebuild: (names) => {
      stats.retain(names);
      frames.retain(names);
      admission.retain(names);
    },
  });
  const admission = new ClusterAdmission({
    self: deps.nodeId,
    members: () => directory.document()?.members,
    reported: (member, name, now) => remote?.arrivalFps(member, name, now),
    suspect: (member, now) => remote?.unreachable(member, now) ?? false,
    own: (name, now) => stats.for(name).arrivalFps(now),
  });
  const frames = new FrameRouter({
    directory,
    client,
    stats,
    now: deps.now,
    idPrefix: deps.nodeId,
    admission,
    lost: (host, port) => prober?.markDown(host, port),
  });
  const report: DataPlaneReport = {
    replicas: () => {
      const now = deps.now();
      const arrivals: Record<string, number> = {};
      for (const [name, s] of stats.entries()) arrivals[name] = s.arrivalFps(now);
      return { replicas: deps.supervisor.replicas(), arrivals };
    },
    windows: () => {
      const now = deps.now();
      const out: Record<string, StatsWindow> = {};
      for (const [name] of stats.entries()) out[name] = stats.window(name, now)!;
      return out;
    },
    hop: {
      replicas: () => deps.supervisor.replicas(),
      replicaHost: () => deps.supervisor.replicaHost?.() ?? LOOPBACK,
      client,
      now: deps.now,
    },
  };
  const serveFrame = createFramesHandler({
    frames,
    adminToken: deps.adminToken,
    openFrames: deps.openFrames,
    maxFrameBytes: deps.maxFrameBytes ?? 16 * 1024 * 1024,
    logger: deps.logger,
    now: deps.now,
  });
  const idle = deps.young ? new IdleScavenger({ young: deps.young, now: deps.now }) : undefined;
  const intercept = (req: IncomingMessage, res: ServerResponse): boolean => {
    const name = frameTarget(req);
    if (name === undefined) return false;
    if (idle) {
      idle.started();
      res.on('close', idle.finished);
    }
    serveFrame(name, req, res);
    return true;
  };
  // The same handler for an express app (tests, embedding): mount it ahead of any body parser.
  const router = Router();
  router.use((req, res, next) => {
    if (!intercept(req, res)) next();
  });
  return {
    router,
    intercept,
    stats,
    frames,
    idle,
    report,
    changed: invalidate,
    close: () => {
      client.close();
      remote?.close();
      prober?.close();
    },
  };
}
