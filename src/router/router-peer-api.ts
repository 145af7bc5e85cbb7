/**
 * What a box's router serves to the other members on the signed peer API
 * (mounted with the cluster's handlers under /v1/peer, so only a holder of
 * the cluster token gets an answer, and never with the admin token):
 * - `GET /replicas`: the replicas this box runs (their ports) and the
 *   frames per second arriving here by deployment (admission shares);
 * - `GET /stats`: this box's measurements by deployment, to merge;
 * - `POST /infer` (raw bytes, up to a frame's limit) and
 *   `GET /replica-health`: a frame, or a health probe, for one of this box's
 *   replicas, which listen on its loopback only (replica-hop.ts).
 * The data plane is built after the cluster, so it is read through a getter.
 */
import { UnavailableError } from '../domain/errors.js';
import type { PeerHandler } from '../cluster/peer-server.js';
import type { DataPlaneReport } from './data-plane.js';
import { hopHandlers } from './replica-hop.js';

export const PEER_STATS_PATH = '/v1/peer/stats';

/** The largest frame a member may forward here (the frames API's own limit). */
export const HOP_MAX_BYTES = 16 * 1024 * 1024;

export function routerPeerHandlers(report: () => DataPlaneReport | undefined): Record<string, PeerHandler> {
  const get = () => {
    const r = report();
    if (!r) throw new UnavailableError('the router is not started yet');
    return r;
  };
  return {
    'GET /replicas': () => ({ status: 200, body: get().replicas() }),
    'GET /stats': () => ({ status: 200, body: { deployments: get().windows() } }),
    'GET /replica-health': hopHandlers(() => report()?.hop).health,
  };
}

/** The raw (bytes, not JSON) routes: frames forwarded by other members' routers. */
export function routerPeerRawRoutes(
  report: () => DataPlaneReport | undefined,
  maxBytes = HOP_MAX_BYTES,
): Record<string, { handler: PeerHandler; maxBytes: number }> {
  return { 'POST /infer': { handler: hopHandlers(() => report()?.hop).infer, maxBytes } };
}
