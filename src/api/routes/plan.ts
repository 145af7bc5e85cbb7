/** GET /v1/plan (plan-file shape) and GET /v1/profiles. */
import { Router } from 'express';
import type { ApiDeps } from '../deps.js';

export function planRoutes(deps: ApiDeps): Router {
  const r = Router();
  r.get('/v1/plan', (_req, res) => {
    const plan = deps.store.read().plan;
    res.json(
      plan ?? {
        strategy: deps.config.placement.strategy,
        placements: [],
        rejected: [],
        latencyMs: {},
        utilisation: {},
        solveMs: 0,
      },
    );
  });
  r.get('/v1/profiles', (_req, res) => {
    res.json(deps.store.read().profiles);
  });
  return r;
}
