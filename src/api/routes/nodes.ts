/** GET /v1/nodes, /v1/nodes/:id: inventory, accelerators and the replicas the supervisor runs. */
import { Router } from 'express';
import { NotFoundError } from '../../domain/errors.js';
import { advertiseHost } from '../../cluster/start-cluster.js';
import type { ApiDeps } from '../deps.js';
import type { MeasuredUtilisation } from '../measured-utilisation.js';

/** This box as a member: in a cluster, the leader flag and the address it advertises to the others. */
export async function selfMember(deps: ApiDeps) {
  const docker = deps.docker.get();
  const c = deps.cluster?.status();
  const { host, port } = deps.config.api;
  const listen = host === '0.0.0.0' || host === '::' ? advertiseHost(undefined) : host;
  return {
    id: deps.nodeId,
    address:
      c?.members.find((m) => m.id === deps.nodeId)?.address ??
      deps.cluster?.advertiseAddress?.() ??
      `${listen}:${port}`,
    state: 'alive' as const,
    self: true,
    leader: c ? c.leader === deps.nodeId : true,
    docker: { reachable: docker.reachable ?? false, status: docker.status },
  };
}

async function nodeView(deps: ApiDeps, utilisation: MeasuredUtilisation) {
  const [inventory, measured] = await Promise.all([deps.inventory.get(), utilisation.latest()]);
  const replicas = deps.supervisor.replicas();
  const link = deps.store.read().members.find((m) => m.id === deps.nodeId)?.link;
  return {
    ...(await selfMember(deps)),
    ...(link ? { link } : {}),
    cpus: inventory.cpus,
    memoryMB: inventory.memoryMB,
    accelerators: inventory.accelerators,
    replicas,
    /** Measured busy share by accelerator id (CPU share for emulated ones, nvidia-smi for GPUs). */
    utilisation: measured,
  };
}

/** Another member's own view of itself (its replicas), within 2 s. */
async function memberView(address: string, id: string): Promise<Record<string, unknown>> {
  const r = await fetch(`http://${address}/v1/nodes/${encodeURIComponent(id)}`, { signal: AbortSignal.timeout(2000) });
  if (!r.ok) throw new Error(`${address} answered ${r.status}`);
  const view = (await r.json()) as Record<string, unknown>;
  return {
    replicas: view.replicas ?? null,
    utilisation: view.utilisation ?? null,
    docker: view.docker,
    accelerators: view.accelerators,
    cpus: view.cpus,
    memoryMB: view.memoryMB,
  };
}

export function nodeRoutes(deps: ApiDeps, utilisation: MeasuredUtilisation): Router {
  const r = Router();
  r.get('/v1/nodes', async (_req, res) => {
    const self = await nodeView(deps, utilisation);
    const others = deps.store.read().members.filter((m) => m.id !== deps.nodeId);
    res.json([
      self,
      ...others.map((m) => ({
        id: m.id,
        address: m.address,
        state: m.state,
        self: false,
        ...(m.inventory ?? {}),
        ...(m.link ? { link: m.link } : {}),
      })),
    ]);
  });
  r.get('/v1/nodes/:id', async (req, res) => {
    if (req.params.id === deps.nodeId) {
      res.json(await nodeView(deps, utilisation));
      return;
    }
    const m = deps.store.read().members.find((x) => x.id === req.params.id);
    if (!m) throw new NotFoundError(`node "${req.params.id}" is not a member`);
    const stored = {
      id: m.id,
      address: m.address,
      state: m.state,
      self: false,
      ...(m.inventory ?? {}),
      ...(m.link ? { link: m.link } : {}),
    };
    // The member itself knows its replicas: ask it (a read; bounded), else say why they are missing.
    const live = await memberView(m.address, m.id).catch((e: Error) => ({ replicas: null, unreachable: e.message }));
    res.json({ ...stored, ...live, self: false, state: m.state });
  });
  return r;
}
