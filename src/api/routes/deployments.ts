/** GET|POST /v1/deployments, GET|DELETE /v1/deployments/:name. */
import { Router } from 'express';
import { z } from 'zod';
import { fpsSchema, latencyMsSchema } from '../../domain/deployment-limits.js';
import { NotFoundError } from '../../domain/errors.js';
import type { ClusterDocument, StoredDeployment } from '../../domain/types.js';
import type { ApiDeps } from '../deps.js';
import type { MeasuredView } from '../../domain/routing/deployment-stats.js';
import { parseBody } from '../../http/parse-body.js';

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const deploymentBody = z
  .strictObject({
    name: z
      .string({ error: 'required' })
      .regex(NAME, { error: 'expected lower-case letters, digits and - (at most 63)' }),
    app: z.string({ error: 'required' }).min(1, { error: 'required' }),
    fps: z
      .union([z.literal('auto'), fpsSchema()], { error: 'expected a number of frames per second or "auto"' })
      .optional(),
    maxFps: fpsSchema().optional(),
    latencyMs: latencyMsSchema().optional(),
    priority: z
      .number({ error: 'expected an integer' })
      .int({ error: 'expected an integer' })
      .min(-1000)
      .max(1000)
      .optional(),
  })
  .refine((b) => b.fps !== 'auto' || b.maxFps !== undefined, { error: 'required with "fps": "auto"', path: ['maxFps'] })
  .refine((b) => b.fps === 'auto' || b.maxFps === undefined, { error: 'only with "fps": "auto"', path: ['maxFps'] });

/**
 * A deployment with where it runs and (once the router measures them) how it
 * does. A rejected one carries `state: "rejected"`, `reason` and
 * `rejected: {reason}` (what the CLI reads to exit non-zero); `pending`
 * means no plan has covered it yet (in a cluster: the leader has not planned
 * it within the wait).
 */
export function deploymentView(d: StoredDeployment, doc: ClusterDocument, measured?: MeasuredView) {
  const plan = doc.plan;
  const placements = plan?.placements.filter((p) => p.deployment === d.name) ?? [];
  const rejected = plan?.rejected.find((x) => x.deployment === d.name);
  return {
    ...d,
    state: !plan ? 'pending' : rejected ? 'rejected' : placements.length ? 'admitted' : 'pending',
    ...(rejected ? { reason: rejected.reason, rejected: { reason: rejected.reason } } : {}),
    placement: placements.map(({ deployment: _d, ...p }) => p),
    latencyEstimateMs: plan?.latencyMs[d.name] ?? null,
    // Measured by the routers of every box (frames may arrive at any), merged; null until a frame was seen.
    measured: measured ?? { fps: null, inputFps: null, latencyMs: { p50: null, p95: null, p99: null }, slo: null },
  };
}

export function deploymentRoutes(deps: ApiDeps): Router {
  const r = Router();
  r.get('/v1/deployments', async (_req, res) => {
    const doc = deps.store.read();
    const measured = await deps.metrics.measuredAcross(doc.deployments);
    res.json(doc.deployments.map((d) => deploymentView(d, doc, measured.get(d.name))));
  });
  r.post('/v1/deployments', async (req, res) => {
    const body = parseBody(deploymentBody, req.body, 'deployment');
    const { deployment, created } = await deps.control.addDeployment(body);
    res.status(created ? 201 : 200).json(deploymentView(deployment, deps.store.read()));
  });
  r.get('/v1/deployments/:name', async (req, res) => {
    const doc = deps.store.read();
    const d = doc.deployments.find((x) => x.name === req.params.name);
    if (!d) throw new NotFoundError(`deployment "${req.params.name}" does not exist`);
    const measured = await deps.metrics.measuredAcross([d]);
    res.json(deploymentView(d, doc, measured.get(d.name)));
  });
  r.delete('/v1/deployments/:name', async (req, res) => {
    const d = await deps.control.removeDeployment(req.params.name);
    res.json({ removed: d.name });
  });
  return r;
}
