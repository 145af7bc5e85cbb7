/**
 * The router's hop to a replica on another box. Replicas are reachable only
 * by their own box's appliance (their sandbox's internal network: the fence,
 * docs/design.md), so a frame for a replica of box B, routed on box A, goes
 * to B's signed peer API:
 *
 *   POST /v1/peer/infer?replica=R&deployment=D&frame=F&deadline=T&timeout=MS&ct=TYPE
 *
 * with the frame's bytes as body, signed with the cluster token (HMAC over
 * method, path and query, timestamp, nonce and the body's hash). B checks the
 * headers before reading the body (a known member only), reads it within
 * the frame limit and a shared budget, checks the signature, and calls R
 * (one of its own running replicas, by name: never an arbitrary port) on
 * its sandbox address with the same deployment, frame id and deadline, for at most the
 * time left. B's answer is signed the same way: the replica's output as is
 * (200, its content type), or a failure as JSON under `rim-hop-error`
 * (the kind A would have seen calling the replica itself).
 *
 * `GET /v1/peer/replica-health?replica=R` answers `{ok}`: R's own /healthz
 * on B, for A's health prober.
 */
import { PEER_HEADERS, type PeerSigner } from '../cluster/peer-auth.js';
import type { PeerCaller } from '../cluster/peer-client.js';
import type { PeerHandler, PeerReply } from '../cluster/peer-server.js';
import type { Payload } from '../domain/routing/chain-plan.js';
import { LOOPBACK, hostOf, type Endpoint } from '../domain/routing/replica-directory.js';
import type { ReplicaStatus } from '../domain/types.js';
import { healthz } from './health-prober.js';
import { UpstreamError, type FrameHeaders, type RemoteInfer, type UpstreamClient } from './upstream-client.js';

export const HOP_PATH = '/v1/peer/infer';
export const HOP_HEALTH_PATH = '/v1/peer/replica-health';
/** Marks a signed failure of the hop (JSON body), as opposed to the replica's own output. */
export const HOP_ERROR_HEADER = 'rim-hop-error';

interface HopFailure {
  kind: UpstreamError['kind'];
  message: string;
  status?: number;
  lost?: boolean;
}

/** Box A's side: calls a replica of another box through that box's peer API. */
export class PeerHop implements RemoteInfer {
  constructor(private readonly opts: { nodeId: string; signer: PeerSigner; now: () => number }) {}

  async infer(
    ep: Endpoint,
    input: Payload,
    h: FrameHeaders,
    timeoutMs: number,
    client: UpstreamClient,
  ): Promise<Payload> {
    const via = ep.via!;
    const q = new URLSearchParams({
      replica: ep.replica,
      deployment: h.deployment,
      frame: h.frameId,
      deadline: String(h.deadline),
      timeout: String(Math.max(0, Math.floor(timeoutMs))),
      ct: input.contentType,
    });
    const path = `${HOP_PATH}?${q.toString()}`;
    const signed = this.opts.signer.requestHeaders('POST', path, this.opts.nodeId, input.body, this.opts.now());
    const port = Number(via.slice(via.lastIndexOf(':') + 1));
    const res = await client.exchange(
      hostOf(via),
      port,
      path,
      { ...signed, 'content-type': 'application/octet-stream' },
      input.body,
      timeoutMs,
      `${ep.replica} via ${ep.node}`,
    );
    const nodeId = res.header(PEER_HEADERS.node) ?? '';
    const expected = this.opts.signer.responseSignature(res.status, signed[PEER_HEADERS.nonce], nodeId, res.body);
    if (nodeId !== ep.node || res.header(PEER_HEADERS.signature) !== expected) {
      throw new UpstreamError(
        'connect',
        `${ep.replica} via ${ep.node}: ${via} answered ${res.status} without ${ep.node}'s valid signature`,
      );
    }
    if (res.header(HOP_ERROR_HEADER) !== undefined || res.status !== 200) {
      const f = parseFailure(res.body, res.status);
      throw new UpstreamError(f.kind, `${f.message} (via ${ep.node})`, f.status, f.lost ?? false);
    }
    return { body: res.body, contentType: res.header('content-type') || 'application/octet-stream' };
  }
}

/** Box A's health prober: R's /healthz as box B sees it. */
export function remoteHealth(peers: PeerCaller): (via: string, replica: string, timeoutMs: number) => Promise<boolean> {
  return async (via, replica, timeoutMs) => {
    const q = new URLSearchParams({ replica });
    const a = await peers.call<{ ok?: boolean }>(
      via,
      'GET',
      `${HOP_HEALTH_PATH}?${q.toString()}`,
      undefined,
      timeoutMs,
    );
    return a.status === 200 && a.body?.ok === true;
  };
}

/** Box B's own replicas and how to call them at their sandbox's address. */
export interface HopTarget {
  replicas(): readonly ReplicaStatus[];
  /** Where B's replicas answer (their sandbox's address); loopback when absent. */
  replicaHost?(): string;
  client: UpstreamClient;
  now(): number;
  /** Probe timeout for /replica-health (ms). */
  probeTimeoutMs?: number;
}

/** Box B's side: the peer API's raw route for frames and its JSON route for replica health. */
export function hopHandlers(target: () => HopTarget | undefined): {
  infer: PeerHandler;
  health: PeerHandler;
} {
  const local = (name: string | null): { t: HopTarget; port: number } | HopFailure => {
    const t = target();
    if (!t) return { kind: 'connect', message: 'the router is not started yet' };
    const r = name ? t.replicas().find((x) => x.name === name) : undefined;
    if (!r || r.state !== 'running')
      return { kind: 'connect', lost: true, message: `replica ${name ?? '(none)'} is not running here` };
    return { t, port: r.port };
  };
  const infer: PeerHandler = async (req) => {
    const q = req.query;
    const found = local(q.get('replica'));
    if ('kind' in found) return failure(found);
    const deadline = Number(q.get('deadline'));
    const timeout = Number(q.get('timeout'));
    const deployment = q.get('deployment');
    const frameId = q.get('frame');
    if (!Number.isFinite(deadline) || !Number.isFinite(timeout) || !deployment || !frameId) {
      return failure({ kind: 'status', status: 400, message: 'hop: malformed query' });
    }
    const host = found.t.replicaHost?.() ?? LOOPBACK;
    const ep: Endpoint = { replica: q.get('replica')!, node: '', host, port: found.port, weight: 0 };
    const input = { body: req.raw, contentType: q.get('ct') || 'application/octet-stream' };
    try {
      const out = await found.t.client.infer(ep, input, { deployment, frameId, deadline }, timeout);
      return { status: 200, raw: out };
    } catch (e) {
      if (!(e instanceof UpstreamError)) throw e;
      return failure({ kind: e.kind, message: e.message, lost: e.lost, ...(e.status ? { status: e.status } : {}) });
    }
  };
  const health: PeerHandler = async (req) => {
    const found = local(req.query.get('replica'));
    if ('kind' in found) return { status: 200, body: { ok: false } };
    const host = found.t.replicaHost?.() ?? LOOPBACK;
    return { status: 200, body: { ok: await healthz(host, found.port, found.t.probeTimeoutMs ?? 1000) } };
  };
  return { infer, health };
}

function failure(f: HopFailure): PeerReply {
  return {
    status: f.kind === 'timeout' ? 504 : 502,
    headers: { [HOP_ERROR_HEADER]: f.kind },
    body: f,
  };
}

function parseFailure(body: Buffer, status: number): HopFailure {
  try {
    const f = JSON.parse(body.toString('utf8')) as Partial<HopFailure>;
    const kinds = ['connect', 'status', 'timeout', 'too-large'];
    if (typeof f.kind === 'string' && kinds.includes(f.kind) && typeof f.message === 'string') return f as HopFailure;
  } catch {
    // not a hop failure: below
  }
  return { kind: 'connect', message: `peer answered ${status}: ${body.subarray(0, 200).toString('utf8')}` };
}
