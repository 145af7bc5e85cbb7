/** Liveness and readiness: always open, never touch Docker. */
import { Router } from 'express';
import type { ApiDeps } from '../deps.js';

export function healthRoutes(deps: Pick<ApiDeps, 'ready' | 'docker' | 'nodeId' | 'store'>): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'alive', node: deps.nodeId });
  });
  r.get('/readyz', async (_req, res) => {
    const started = deps.ready();
    // A data dir that cannot be written fails every change: not ready, and why.
    const writeProblem = await deps.store.writeProblem();
    const ready = started && !writeProblem;
    const docker = deps.docker.get();
    res.status(ready ? 200 : 503).json({
      ready,
      node: deps.nodeId,
      store: writeProblem ? 'not-writable' : started ? 'loaded' : 'loading',
      ...(writeProblem ? { reason: writeProblem } : {}),
      cluster: started ? 'joined' : 'joining',
      docker: { reachable: docker.reachable ?? false, status: docker.status },
    });
  });
  return r;
}
