/**
 * Calls one replica's `POST /infer` (docs/design.md, "The module contract") over
 * plain node:http with one keep-alive Agent per upstream host, so a frame
 * costs one pooled request and no fetch/undici machinery. The call ends at
 * the frame's deadline: the socket is destroyed, never left hanging.
 *
 * A replica on this box is called on loopback, where it listens; one on
 * another box (an endpoint with `via`) through that box's signed peer API
 * (replica-hop.ts), since replicas are not reachable from other machines.
 */
import http from 'node:http';
import type { Payload } from '../domain/routing/chain-plan.js';
import type { Endpoint } from '../domain/routing/replica-directory.js';

/**
 * Why a call failed: `connect` (refused, reset), `status` (the replica
 * answered ≥ 400), `timeout` (deadline), `too-large`.
 */
export class UpstreamError extends Error {
  constructor(
    readonly kind: 'connect' | 'status' | 'timeout' | 'too-large',
    message: string,
    readonly status?: number,
    /** The replica's address is gone (refused, unreachable), not just one pooled socket reset. */
    readonly lost = false,
  ) {
    super(message);
  }
}

const LOST = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN']);

export interface FrameHeaders {
  deployment: string;
  frameId: string;
  /** epoch ms */
  deadline: number;
}

export interface UpstreamOptions {
  /** Largest module output accepted (bytes). */
  maxResponseBytes?: number;
  /** Idle keep-alive sockets kept per upstream host. */
  maxFreeSockets?: number;
  /** Calls replicas of other boxes through their peer API; without it such an endpoint fails to connect. */
  hop?: RemoteInfer;
}

/** A call to a replica on another box (replica-hop.ts). */
export interface RemoteInfer {
  infer(ep: Endpoint, input: Payload, h: FrameHeaders, timeoutMs: number, client: UpstreamClient): Promise<Payload>;
}

/** What came back from one HTTP exchange. */
export interface Exchanged {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export class UpstreamClient {
  private readonly agents = new Map<string, http.Agent>();
  readonly maxResponseBytes: number;
  private readonly maxFreeSockets: number;

  constructor(private readonly opts: UpstreamOptions = {}) {
    this.maxResponseBytes = opts.maxResponseBytes ?? 16 * 1024 * 1024;
    this.maxFreeSockets = opts.maxFreeSockets ?? 64;
  }

  /** POST /infer on `ep`; resolves with the output of a 2xx, rejects with an UpstreamError otherwise. */
  async infer(ep: Endpoint, input: Payload, h: FrameHeaders, timeoutMs: number): Promise<Payload> {
    if (ep.via) {
      if (!this.opts.hop) throw new UpstreamError('connect', `${ep.replica} is on ${ep.node}: no peer hop configured`);
      return this.opts.hop.infer(ep, input, h, timeoutMs, this);
    }
    const res = await this.exchange(
      ep.host,
      ep.port,
      '/infer',
      {
        'content-type': input.contentType,
        'rim-deployment': h.deployment,
        'rim-frame-id': h.frameId,
        'rim-deadline': String(h.deadline),
      },
      input.body,
      timeoutMs,
      ep.replica,
    );
    if (res.status >= 200 && res.status < 300) {
      return { body: res.body, contentType: res.headers['content-type'] ?? 'application/octet-stream' };
    }
    throw new UpstreamError(
      'status',
      `${ep.replica} answered ${res.status}: ${res.body.subarray(0, 200).toString('utf8')}`,
      res.status,
    );
  }

  /**
   * One POST over the pooled agent of `host`: the whole answer (up to
   * `maxResponseBytes`), or an UpstreamError (connect, timeout, too-large).
   */
  exchange(
    host: string,
    port: number,
    path: string,
    headers: Record<string, string>,
    body: Buffer,
    timeoutMs: number,
    who: string,
  ): Promise<Exchanged> {
    return new Promise<Exchanged>((resolve, reject) => {
      let settled = false;
      const fail = (e: UpstreamError) => {
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          reject(e);
        }
      };
      const req = http.request(
        {
          host,
          port,
          method: 'POST',
          path,
          agent: this.agentFor(host),
          headers: { ...headers, 'content-length': body.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > this.maxResponseBytes) {
              req.destroy();
              fail(new UpstreamError('too-large', `${who} answered more than ${this.maxResponseBytes} bytes`));
              return;
            }
            chunks.push(c);
          });
          res.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: all });
          });
          res.on('error', (e) => fail(new UpstreamError('connect', `${who}: ${e.message}`)));
        },
      );
      const timer = setTimeout(
        () => {
          fail(new UpstreamError('timeout', `${who} did not answer within ${Math.round(timeoutMs)} ms`));
          req.destroy();
        },
        Math.max(0, timeoutMs),
      );
      req.on('error', (e: NodeJS.ErrnoException) =>
        fail(
          new UpstreamError(
            'connect',
            `${who} at ${host}:${port}: ${e.code ?? e.message}`,
            undefined,
            LOST.has(e.code ?? ''),
          ),
        ),
      );
      req.end(body);
    });
  }

  /** Closes the pooled sockets. */
  close(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }

  private agentFor(host: string): http.Agent {
    let a = this.agents.get(host);
    if (!a) {
      // An idle pooled socket is dropped after 4 s, before a module's server (node's default: 5 s) closes it under us.
      a = new http.Agent({
        keepAlive: true,
        keepAliveMsecs: 1000,
        maxFreeSockets: this.maxFreeSockets,
        scheduling: 'lifo',
        timeout: 4000,
      });
      this.agents.set(host, a);
    }
    return a;
  }
}
