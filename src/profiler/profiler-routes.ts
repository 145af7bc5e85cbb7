/**
 * The profiler's HTTP surface, for the API's `extraRoutes` (GET /v1/profiles
 * itself is the API's): POST /v1/profiles/refresh starts a refresh and
 * answers 202 with what is due; GET /v1/profiles/status says what runs.
 * The API's admin guard and error handler apply as to every route.
 */
import { Router } from 'express';
import { z } from 'zod';
import { parseBody } from '../http/parse-body.js';
import type { ProfilerService } from './profiler-service.js';

export const refreshRequestSchema = z.strictObject({
  /** Only these apps; every registered app when absent. */
  apps: z.array(z.string().min(1).max(63)).max(256).optional(),
  /** Re-measure profiles that still hold (default true: an operator asking for a refresh means it). */
  force: z.boolean().default(true),
});

export type ProfileRefresher = Pick<ProfilerService, 'requestRefresh' | 'status'>;

export function profilerRoutes(profiler: ProfileRefresher): Router {
  const r = Router();
  r.post('/v1/profiles/refresh', async (req, res) => {
    const body = parseBody(refreshRequestSchema, req.body ?? {}, 'refresh');
    res
      .status(202)
      .json(await profiler.requestRefresh({ force: body.force, ...(body.apps ? { apps: body.apps } : {}) }));
  });
  r.get('/v1/profiles/status', (_req, res) => {
    res.json(profiler.status());
  });
  return r;
}
