/** GET /v1/plan (plan-file shape), PUT /v1/plan/strategy and GET /v1/profiles. */
import { Router } from 'express';
import { z } from 'zod';
import { placementStrategy } from '../../config/placement-strategy.js';
import { UnavailableError } from '../../domain/errors.js';
import { parseBody } from '../../http/parse-body.js';
import type { ApiDeps } from '../deps.js';

const strategyBody = z.strictObject({ strategy: placementStrategy });

export function planRoutes(deps: ApiDeps): Router {
  const r = Router();
  const strategy = () => deps.placement?.strategy() ?? deps.config.placement.strategy;
  r.get('/v1/plan', (_req, res) => {
    const plan = deps.store.read().plan;
    res.json(
      plan ?? {
        strategy: strategy(),
        placements: [],
        rejected: [],
        latencyMs: {},
        utilisation: {},
        solveMs: 0,
      },
    );
  });
  r.get('/v1/plan/strategy', (_req, res) => {
    res.json({ node: deps.nodeId, strategy: strategy() });
  });
  // This box's strategy from its next plan on (only the leader plans: set it on every box). Not stored.
  r.put('/v1/plan/strategy', (req, res) => {
    const body = parseBody(strategyBody, req.body, 'strategy');
    if (!deps.placement) throw new UnavailableError('this appliance cannot switch its placement strategy');
    deps.placement.setStrategy(body.strategy);
    deps.logger.info({ strategy: body.strategy }, 'placement strategy switched');
    res.json({ node: deps.nodeId, strategy: strategy() });
  });
  r.get('/v1/profiles', (_req, res) => {
    res.json(deps.store.read().profiles);
  });
  return r;
}
