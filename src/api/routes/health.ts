/** Liveness and readiness: always open, never touch Docker. */
import { Router } from 'express';
import type { ApiDeps } from '../deps.js';

export function healthRoutes(deps: Pick<ApiDeps, 'ready' | 'docker' | 'nodeId' | 'store'>): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'alive', node: deps.nodeId });
  });
  r.get('/readyz', (_req, res) => {
    const ready = deps.ready();
    const docker = deps.docker.get();
    res.status(ready ? 200 : 503).json({
      ready,
      node: deps.nodeId,
      store: ready ? 'loaded' : 'loading',
      cluster: ready ? 'joined' : 'joining',
      docker: { reachable: docker.reachable ?? false, status: docker.status },
    });
  });
  return r;
}
