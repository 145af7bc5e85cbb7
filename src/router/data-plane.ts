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
import type { ClusterDocument, ReplicaStatus } from '../domain/types.js';
import type { Logger } from '../log.js';
import { FrameRouter } from './frame-router.js';
import { createFramesHandler, frameTarget } from './frames-http.js';
import { LiveReplicaDirectory } from './live-directory.js';
import { MemberReplicas } from './member-replicas.js';
import { RouterStats } from './router-stats.js';
import { UpstreamClient } from './upstream-client.js';

export interface DataPlaneDeps {
  nodeId: string;
  store: { read(): ClusterDocument };
  supervisor: { replicas(): ReplicaStatus[] };
  adminToken: string;
  /** Frames without the admin token (config api.openReads). */
  openFrames: boolean;
  logger: Logger;
  now: () => number;
  /** Largest frame accepted (bytes); 16 MiB by default. */
  maxFrameBytes?: number;
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
  close(): void;
}

export function createDataPlane(deps: DataPlaneDeps): DataPlane {
  const stats = new RouterStats(deps.now);
  const client = new UpstreamClient();
  // The closures below run only once frames flow, after every const here is set.
  const remote = new MemberReplicas({
    adminToken: deps.adminToken,
    logger: deps.logger,
    now: deps.now,
    onUpdate: () => directory.invalidate(),
  });
  const directory = new LiveReplicaDirectory({
    self: deps.nodeId,
    store: deps.store,
    local: deps.supervisor,
    remote,
    onRebuild: (names) => {
      stats.retain(names);
      frames.retain(names);
    },
  });
  const frames = new FrameRouter({ directory, client, stats, now: deps.now, idPrefix: deps.nodeId });
  const serveFrame = createFramesHandler({
    frames,
    adminToken: deps.adminToken,
    openFrames: deps.openFrames,
    maxFrameBytes: deps.maxFrameBytes ?? 16 * 1024 * 1024,
    logger: deps.logger,
    now: deps.now,
  });
  const intercept = (req: IncomingMessage, res: ServerResponse): boolean => {
    const name = frameTarget(req);
    if (name === undefined) return false;
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
    close: () => {
      client.close();
      remote.close();
    },
  };
}
