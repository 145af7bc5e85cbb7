/**
 * One peer router on a loopback port for a test: optionally behind a body
 * parser, optionally on the dual-stack address `::`; `send` signs a request
 * as a member would and returns the answer's status, headers and bytes.
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express, { type RequestHandler } from 'express';
import { PEER_HEADERS, PeerSigner } from '../../../src/cluster/peer-auth.js';
import { createPeerRouter, PEER_BASE, type PeerRouterOptions } from '../../../src/cluster/peer-server.js';
import { createLogger } from '../../../src/log.js';

export const fixtureSigner = new PeerSigner('peer-router-fixture-token-0');

export interface Answer {
  status: number;
  headers: Headers;
  bytes: Buffer;
  /** The request's nonce (an answer is signed over it). */
  nonce: string;
}

export interface ServedRouter {
  port: number;
  /** Every log line, parsed. */
  logs: Record<string, unknown>[];
  /** Sends `body` from `from`, signed over `signedBody` (the same unless given). */
  send(
    method: string,
    path: string,
    from: string,
    body?: string | Buffer,
    signedBody?: string | Buffer,
  ): Promise<Answer>;
  close(): void;
}

export async function serveRouter(
  opts: Partial<PeerRouterOptions> & Pick<PeerRouterOptions, 'handlers'>,
  mount: { before?: RequestHandler; host?: string } = {},
): Promise<ServedRouter> {
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(c, _e, cb) {
      logs.push(JSON.parse(String(c)) as Record<string, unknown>);
      cb();
    },
  });
  const app = express();
  if (mount.before) app.use(mount.before);
  const router = createPeerRouter({
    nodeId: 'n1',
    signer: fixtureSigner,
    now: Date.now,
    logger: createLogger({ level: 'info', destination }),
    isKnownPeer: (id) => id === 'n2',
    ...opts,
  });
  app.use(PEER_BASE, router);
  const server: http.Server = app.listen(0, mount.host ?? '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    logs,
    async send(method, path, from, body = '', signedBody = body) {
      const headers = fixtureSigner.requestHeaders(method, `${PEER_BASE}${path}`, from, signedBody, Date.now());
      const res = await fetch(`http://127.0.0.1:${port}${PEER_BASE}${path}`, {
        method,
        headers: { ...headers, 'content-type': 'application/json' },
        ...(method === 'GET' ? {} : { body: typeof body === 'string' ? body : new Uint8Array(body) }),
        signal: AbortSignal.timeout(5000),
      });
      const bytes = Buffer.from(await res.arrayBuffer());
      return { status: res.status, headers: res.headers, bytes, nonce: headers[PEER_HEADERS.nonce] };
    },
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Whether the answer carries n1's signature over its status, the request's nonce and its bytes. */
export function signedByN1(a: Answer): boolean {
  const expected = fixtureSigner.responseSignature(a.status, a.nonce, 'n1', a.bytes);
  return a.headers.get(PEER_HEADERS.node) === 'n1' && a.headers.get(PEER_HEADERS.signature) === expected;
}
