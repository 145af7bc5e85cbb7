/** GET /metrics: Prometheus text through prom-client (see ../metrics.ts). */
import { Router } from 'express';
import type { ApiDeps } from '../deps.js';
import type { MeasuredUtilisation } from '../measured-utilisation.js';
import { deploymentView } from './deployments.js';

export function metricsRoutes(deps: ApiDeps, utilisation: MeasuredUtilisation): Router {
  const r = Router();
  r.get('/metrics', async (_req, res) => {
    const doc = deps.store.read();
    const cluster = deps.cluster?.status();
    const measured = await utilisation.get().catch(() => ({}));
    // The SLO figures are the cluster's (every box's routers merged), as GET /v1/deployments shows them.
    const slo = await deps.metrics.measuredAcross(doc.deployments);
    const text = await deps.metrics.render({
      nodeId: deps.nodeId,
      replicas: deps.supervisor.replicas(),
      ...(deps.supervisor.restartsTotal ? { restartsTotal: deps.supervisor.restartsTotal() } : {}),
      dockerReachable: deps.docker.get().reachable,
      apps: doc.apps.length,
      deployments: doc.deployments.map((d) => deploymentView(d, doc, slo.get(d.name))),
      rejected: doc.plan?.rejected.length ?? 0,
      storeVersion: doc.version,
      leader: cluster ? cluster.leader : deps.nodeId,
      term: cluster ? cluster.term : 1,
      planUtilisation: doc.plan?.utilisation ?? {},
      measuredUtilisation: measured,
      profiles: doc.profiles,
    });
    res.type(deps.metrics.contentType).send(text);
  });
  return r;
}
