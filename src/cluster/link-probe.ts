/**
 * Measuring a box's link over the signed peer API (docs/design.md,
 * "Latency estimate"): `GET /v1/peer/ping` answers an empty body and
 * `GET /v1/peer/probe` a fixed PROBE_BYTES payload. The leader sends a few
 * pings (the fastest is the round trip) and two probes (the fastest one's
 * time past a round trip is the transfer): a quarter of a megabyte in all and
 * at most PROBE_TIMEOUT_MS per request, in the background once a box has
 * joined, so joining waits for none of it.
 */
import { performance } from 'node:perf_hooks';
import { linkFromProbe } from '../domain/membership/links.js';
import type { NetworkSpec } from '../domain/types.js';
import type { PeerCaller } from './peer-client.js';
import type { PeerHandler } from './peer-server.js';

export const PROBE_BYTES = 128 * 1024;
export const PROBE_PINGS = 5;
export const PROBE_PAYLOADS = 2;
export const PROBE_TIMEOUT_MS = 2000;
const PAD = 'x'.repeat(PROBE_BYTES);

/** The two endpoints, keyed as createPeerRouter expects. */
export function linkProbeHandlers(): Record<string, PeerHandler> {
  return {
    'GET /ping': () => ({ status: 200, body: {} }),
    'GET /probe': () => ({ status: 200, body: { pad: PAD } }),
  };
}

async function timed(peers: PeerCaller, address: string, path: string, id: string): Promise<number> {
  const t0 = performance.now();
  const a = await peers.call(address, 'GET', path, undefined, PROBE_TIMEOUT_MS);
  const ms = performance.now() - t0;
  if (a.status !== 200) throw new Error(`${path} answered HTTP ${a.status}`);
  if (a.nodeId !== id) throw new Error(`${path} answered as ${a.nodeId}, not ${id}`);
  return ms;
}

/** Measures the link to member `id` at `address`; rejects when it does not answer in time. */
export async function measureLink(peers: PeerCaller, id: string, address: string): Promise<NetworkSpec> {
  const pingsMs: number[] = [];
  for (let i = 0; i < PROBE_PINGS; i++) pingsMs.push(await timed(peers, address, '/v1/peer/ping', id));
  // The fastest of each: a busy box or event loop only ever adds time.
  let payloadMs = Infinity;
  for (let i = 0; i < PROBE_PAYLOADS; i++)
    payloadMs = Math.min(payloadMs, await timed(peers, address, '/v1/peer/probe', id));
  return linkFromProbe({ pingsMs, bytes: PROBE_BYTES, payloadMs });
}
