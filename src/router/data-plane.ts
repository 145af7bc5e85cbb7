/**
 * The data plane of one appliance: `POST /v1/deployments/:name/frames`
 * (DESIGN.md, "The module contract (data plane)"). Mounted by the composition
 * root on the outer express app ahead of the API, so the frame's raw bytes
 * reach it unparsed (the API parses JSON) and it answers with the API's
 * `{error:{code,message}}` shape.
 *
 * Frames are data, not changes: open on the LAN when `api.openReads` is
 * (the default), otherwise they need the admin token like any change.
 */
import express, { type RequestHandler, Router } from 'express';
import { tokenMatches, bearerToken } from '../api/auth.js';
import { errorHandler } from '../api/error-handler.js';
import { UnauthorizedError } from '../domain/errors.js';
import type { ClusterDocument, ReplicaStatus } from '../domain/types.js';
import type { Logger } from '../log.js';
import { FrameRouter } from './frame-router.js';
import { LiveReplicaDirectory } from './live-directory.js';
import { MemberReplicas } from './member-replicas.js';
import { RouterStats } from './router-stats.js';
import { UpstreamClient } from './upstream-client.js';

export const FRAMES_PATH = '/v1/deployments/:name/frames';
const FRAME_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const EMPTY = Buffer.alloc(0);

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
  router: Router;
  stats: RouterStats;
  frames: FrameRouter;
  close(): void;
}

export function createDataPlane(deps: DataPlaneDeps): DataPlane {
  const stats = new RouterStats(deps.now);
  const client = new UpstreamClient();
  let directory: LiveReplicaDirectory | undefined = undefined;
  const remote = new MemberReplicas({ adminToken: deps.adminToken, logger: deps.logger, now: deps.now, onUpdate: () => directory?.invalidate() });
  let frames: FrameRouter | undefined = undefined;
  directory = new LiveReplicaDirectory({
    self: deps.nodeId, store: deps.store, local: deps.supervisor, remote,
    onRebuild: (names) => { stats.retain(names); frames?.retain(names); },
  });
  frames = new FrameRouter({ directory, client, stats, now: deps.now, idPrefix: deps.nodeId });
  const router = Router();
  const guard: RequestHandler = (req, res, next) => {
    res.locals.arrival = deps.now();
    if (deps.openFrames || tokenMatches(bearerToken(req.headers.authorization), deps.adminToken)) return next();
    next(new UnauthorizedError('frames need the admin token here (api.openReads is off): send "Authorization: Bearer <token>"'));
  };
  const fr = frames;
  router.post(FRAMES_PATH, guard, express.raw({ type: () => true, limit: deps.maxFrameBytes ?? 16 * 1024 * 1024 }), async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : EMPTY;
    const id = req.headers['rim-frame-id'];
    const answer = await fr.route(
      String(req.params.name),
      { body, contentType: req.headers['content-type'] ?? 'application/octet-stream' },
      res.locals.arrival as number,
      typeof id === 'string' && FRAME_ID.test(id) ? id : undefined,
    );
    res.writeHead(200, { 'content-type': answer.contentType, 'content-length': answer.body.length, 'rim-frame-id': answer.frameId });
    res.end(answer.body);
  });
  router.use(errorHandler(deps.logger));
  return { router, stats, frames, close: () => { client.close(); remote.close(); } };
}
