/** GET|POST /v1/apps, GET|DELETE /v1/apps/:name. */
import { Router } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../../domain/errors.js';
import { imageRefProblem } from '../../domain/image-ref.js';
import type { RegisteredApp } from '../../domain/types.js';
import type { ApiDeps } from '../deps.js';
import { parseBody } from '../../http/parse-body.js';

const addAppBody = z.strictObject({
  image: z.string({ error: 'expected an image reference' }).superRefine((ref, ctx) => {
    const why = imageRefProblem(ref);
    if (why) ctx.addIssue({ code: 'custom', message: why });
  }),
});

export const appSummary = (a: RegisteredApp) => ({
  name: a.name,
  image: a.image,
  digest: a.digest,
  description: a.manifest.description,
  modules: a.manifest.modules.map((m) => ({
    name: m.name,
    accelerator: m.accelerator,
    variants: ['default', ...(m.variants ?? []).map((v) => v.name)],
  })),
  defaults: a.manifest.defaults ?? {},
  registeredAt: a.registeredAt,
});

export function appRoutes(deps: ApiDeps): Router {
  const r = Router();
  r.get('/v1/apps', (_req, res) => {
    res.json(deps.store.read().apps.map(appSummary));
  });
  r.post('/v1/apps', async (req, res) => {
    const { image } = parseBody(addAppBody, req.body, 'app');
    const { app, created } = await deps.control.addApp(image);
    res.status(created ? 201 : 200).json({ ...appSummary(app), manifest: app.manifest });
  });
  r.get('/v1/apps/:name', (req, res) => {
    const app = deps.store.read().apps.find((a) => a.name === req.params.name);
    if (!app) throw new NotFoundError(`app "${req.params.name}" is not registered`);
    const deployments = deps.store
      .read()
      .deployments.filter((d) => d.app === app.name)
      .map((d) => d.name);
    res.json({ ...appSummary(app), manifest: app.manifest, deployments });
  });
  r.delete('/v1/apps/:name', async (req, res) => {
    const app = await deps.control.removeApp(req.params.name);
    res.json({ removed: app.name });
  });
  return r;
}
