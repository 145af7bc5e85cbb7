/** GET /v1/nodes, /v1/nodes/:id: inventory, accelerators and the replicas the supervisor runs. */
import { Router } from 'express';
import { NotFoundError } from '../../domain/errors.js';
import type { ApiDeps } from '../deps.js';

export async function selfMember(deps: ApiDeps) {
  const docker = deps.docker.get();
  return {
    id: deps.nodeId,
    address: `${deps.config.api.host}:${deps.config.api.port}`,
    state: 'alive' as const,
    self: true,
    leader: true,
    docker: { reachable: docker.reachable ?? false, status: docker.status },
  };
}

async function nodeView(deps: ApiDeps) {
  const inventory = await deps.inventory.get();
  const replicas = deps.supervisor.replicas();
  return {
    ...(await selfMember(deps)),
    cpus: inventory.cpus,
    memoryMB: inventory.memoryMB,
    accelerators: inventory.accelerators,
    replicas,
  };
}

export function nodeRoutes(deps: ApiDeps): Router {
  const r = Router();
  r.get('/v1/nodes', async (_req, res) => {
    const self = await nodeView(deps);
    const others = deps.store.read().members.filter((m) => m.id !== deps.nodeId);
    res.json([
      self,
      ...others.map((m) => ({ id: m.id, address: m.address, state: m.state, self: false, ...(m.inventory ?? {}) })),
    ]);
  });
  r.get('/v1/nodes/:id', async (req, res) => {
    if (req.params.id === deps.nodeId) { res.json(await nodeView(deps)); return; }
    const m = deps.store.read().members.find((x) => x.id === req.params.id);
    if (!m) throw new NotFoundError(`node "${req.params.id}" is not a member`);
    res.json({ id: m.id, address: m.address, state: m.state, self: false, ...(m.inventory ?? {}), replicas: null });
  });
  return r;
}
