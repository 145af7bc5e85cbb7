/** GET /metrics: Prometheus text. */
import { Router } from 'express';
import type { ApiDeps } from '../deps.js';

export function metricsRoutes(deps: ApiDeps): Router {
  const r = Router();
  r.get('/metrics', (_req, res) => {
    const doc = deps.store.read();
    res.type('text/plain; version=0.0.4; charset=utf-8').send(
      deps.metrics.render({
        nodeId: deps.nodeId,
        replicas: deps.supervisor.replicas(),
        dockerReachable: deps.docker.get().reachable,
        apps: doc.apps.length,
        deployments: doc.deployments.length,
        rejected: doc.plan?.rejected.length ?? 0,
        storeVersion: doc.version,
      }),
    );
  });
  return r;
}
