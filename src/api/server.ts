/**
 * The appliance's one HTTP app: probes, the /v1 API, /metrics and the event
 * stream, behind the admin-token guard, with one JSON error handler.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express, type Router } from 'express';
import { requireAdmin } from './auth.js';
import type { ApiDeps } from './deps.js';
import { errorHandler, notFoundHandler } from './error-handler.js';
import { appRoutes } from './routes/apps.js';
import { clusterRoutes } from './routes/cluster.js';
import { deploymentRoutes } from './routes/deployments.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { nodeRoutes } from './routes/nodes.js';
import { planRoutes } from './routes/plan.js';
import { MeasuredUtilisation } from './measured-utilisation.js';
import { NvidiaSmiSampler } from '../profiler/gpu-sampler.js';

export interface Api {
  app: Express;
  /** Ends open event streams so that the server can close. */
  closeStreams(): void;
  /** For the HTTP server's listener, ahead of express: serves the event stream (true when it took the request). */
  serveEarly(req: IncomingMessage, res: ServerResponse): boolean;
}

export interface ApiOptions {
  /** More routers (the status page, the data-plane router, peer routes), mounted after the API's own. */
  extraRoutes?: Router[];
}

export function createApi(deps: ApiDeps, opts: ApiOptions = {}): Api {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const log = deps.logger;
  const streams = new Set<ServerResponse>();
  const events = eventRoutes(deps, streams);
  const utilisation = new MeasuredUtilisation({
    engine: deps.engine,
    inventory: deps.inventory,
    supervisor: deps.supervisor,
    now: deps.now,
    ...(deps.config.accelerators.detectGpus ? { gpu: new NvidiaSmiSampler() } : {}),
  });

  app.use((req, res, next) => {
    res.on('finish', () => {
      const route = req.route?.path ? String(req.route.path) : 'unmatched';
      deps.metrics.countRequest(req.method, route, res.statusCode);
      log.debug({ method: req.method, path: req.path, status: res.statusCode }, 'request');
    });
    next();
  });
  app.use(express.json({ limit: '256kb' }));
  app.use(requireAdmin(deps.adminToken, { openReads: deps.config.api.openReads }));

  app.use(healthRoutes(deps));
  app.use(clusterRoutes(deps));
  app.use(nodeRoutes(deps, utilisation));
  app.use(appRoutes(deps));
  app.use(deploymentRoutes(deps));
  app.use(planRoutes(deps));
  app.use(events.router);
  app.use(metricsRoutes(deps, utilisation));
  for (const r of opts.extraRoutes ?? []) app.use(r);

  app.use(notFoundHandler);
  app.use(errorHandler(log));

  return {
    app,
    closeStreams: () => {
      for (const res of streams) res.end();
      streams.clear();
    },
    serveEarly: events.serveEarly,
  };
}
