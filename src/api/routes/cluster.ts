/**
 * GET /v1/cluster: the leader, term and members (a box on its own is its own
 * leader). DELETE /v1/cluster/members/:id: the operator retires a box; on a
 * follower the request is forwarded to the leader's API with the caller's token.
 */
import { Router } from 'express';
import { UnavailableError, ValidationError } from '../../domain/errors.js';
import type { ApiDeps } from '../deps.js';
import { selfMember } from './nodes.js';

export function clusterRoutes(deps: ApiDeps): Router {
  const r = Router();
  r.get('/v1/cluster', async (_req, res) => {
    const doc = deps.store.read();
    if (deps.cluster) {
      const c = deps.cluster.status();
      const docker = deps.docker.get();
      // This box knows its own Docker state (the page's "Docker unreachable" banner);
      // the others show theirs in /v1/nodes/:id.
      const own = { docker: { reachable: docker.reachable ?? false, status: docker.status } };
      res.json({
        name: c.name,
        leader: c.leader,
        term: c.term,
        role: c.role,
        self: c.self,
        version: doc.version,
        members: c.members.map((m) => ({
          ...m,
          self: m.id === c.self,
          leader: m.id === c.leader,
          ...(m.id === c.self ? own : {}),
        })),
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
  r.delete('/v1/cluster/members/:id', async (req, res) => {
    if (!deps.cluster)
      throw new ValidationError('this box runs on its own (no cluster token): it has no other members', 'id');
    const c = deps.cluster.status();
    if (c.leader && c.leader !== c.self) {
      const leader = c.members.find((m) => m.id === c.leader);
      if (!leader) throw new UnavailableError(`the leader ${c.leader} has no known address`);
      const answer = await fetch(`http://${leader.address}/v1/cluster/members/${encodeURIComponent(req.params.id)}`, {
        method: 'DELETE',
        headers: { authorization: req.get('authorization') ?? '' },
        signal: AbortSignal.timeout(10_000),
      }).catch((e: Error) => {
        throw new UnavailableError(`the leader ${c.leader} did not answer: ${e.message}`);
      });
      res
        .status(answer.status)
        .type('json')
        .send(await answer.text());
      return;
    }
    await deps.cluster.removeMember(req.params.id);
    res.json({ removed: req.params.id });
  });
  return r;
}
