/**
 * Calls one replica's `POST /infer` (docs/design.md, "The module contract") over
 * plain node:http with one keep-alive Agent per upstream host, so a frame
 * costs one pooled request and no fetch/undici machinery. The call ends at
 * the frame's deadline: the socket is destroyed, never left hanging.
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
}

export class UpstreamClient {
  private readonly agents = new Map<string, http.Agent>();
  private readonly maxResponseBytes: number;
  private readonly maxFreeSockets: number;

  constructor(opts: UpstreamOptions = {}) {
    this.maxResponseBytes = opts.maxResponseBytes ?? 16 * 1024 * 1024;
    this.maxFreeSockets = opts.maxFreeSockets ?? 64;
  }

  /** POST /infer on `ep`; resolves with the output of a 2xx, rejects with an UpstreamError otherwise. */
  infer(ep: Endpoint, input: Payload, h: FrameHeaders, timeoutMs: number): Promise<Payload> {
    return new Promise<Payload>((resolve, reject) => {
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
          host: ep.host,
          port: ep.port,
          method: 'POST',
          path: '/infer',
          agent: this.agentFor(ep.host),
          headers: {
            'content-type': input.contentType,
            'content-length': input.body.length,
            'rim-deployment': h.deployment,
            'rim-frame-id': h.frameId,
            'rim-deadline': h.deadline,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > this.maxResponseBytes) {
              req.destroy();
              fail(new UpstreamError('too-large', `${ep.replica} answered more than ${this.maxResponseBytes} bytes`));
              return;
            }
            chunks.push(c);
          });
          res.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            const status = res.statusCode ?? 0;
            const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
            if (status >= 200 && status < 300) {
              resolve({ body, contentType: res.headers['content-type'] ?? 'application/octet-stream' });
            } else {
              reject(
                new UpstreamError(
                  'status',
                  `${ep.replica} answered ${status}: ${body.subarray(0, 200).toString('utf8')}`,
                  status,
                ),
              );
            }
          });
          res.on('error', (e) => fail(new UpstreamError('connect', `${ep.replica}: ${e.message}`)));
        },
      );
      const timer = setTimeout(
        () => {
          fail(new UpstreamError('timeout', `${ep.replica} did not answer within ${Math.round(timeoutMs)} ms`));
          req.destroy();
        },
        Math.max(0, timeoutMs),
      );
      req.on('error', (e: NodeJS.ErrnoException) =>
        fail(
          new UpstreamError(
            'connect',
            `${ep.replica} at ${ep.host}:${ep.port}: ${e.code ?? e.message}`,
            undefined,
            LOST.has(e.code ?? ''),
          ),
        ),
      );
      req.end(input.body);
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
