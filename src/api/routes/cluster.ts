/** GET /v1/cluster: one box is its own leader (the cluster helpers replace this view). */
import { Router } from 'express';
import type { ApiDeps } from '../deps.js';
import { selfMember } from './nodes.js';

export function clusterRoutes(deps: ApiDeps): Router {
  const r = Router();
  r.get('/v1/cluster', async (_req, res) => {
    const doc = deps.store.read();
    if (deps.cluster) {
      const c = deps.cluster.status();
      res.json({
        name: c.name, leader: c.leader, term: c.term, role: c.role, self: c.self, version: doc.version,
        members: c.members.map((m) => ({ ...m, self: m.id === c.self, leader: m.id === c.leader })),
      });
      return;
    }
    const self = await selfMember(deps);
    const others = doc.members.filter((m) => m.id !== deps.nodeId).map(({ inventory: _i, ...m }) => m);
    res.json({
      name: doc.clusterName,
      leader: deps.nodeId,
      term: 1,
      version: doc.version,
      members: [self, ...others],
    });
  });
  return r;
}
