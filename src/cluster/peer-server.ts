/**
 * The peer API as an express Router, mounted at `/v1/peer` ahead of the
 * admin-token guard and the JSON parser (it reads the raw body to check the
 * signature). Every request must be signed with the cluster token; any
 * other is refused with 401 and logged (never with the token).
 */
import express, { type Request, type Response, Router } from 'express';
import { isRimError, ValidationError } from '../domain/errors.js';
import { toErrorResponse } from '../http/error-response.js';
import type { Logger } from '../log.js';
import { PEER_HEADERS, type PeerSigner, PeerVerifier } from './peer-auth.js';

export interface PeerRequest {
  /** The authenticated sender. */
  from: string;
  /** The sender's address as this node sees it (remote ip). */
  remoteAddress: string;
  body: unknown;
}

export interface PeerReply {
  status: number;
  body?: unknown;
}

export type PeerHandler = (req: PeerRequest) => Promise<PeerReply> | PeerReply;

export interface PeerRouterOptions {
  nodeId: string;
  signer: PeerSigner;
  now: () => number;
  logger: Logger;
  /** Keyed by "METHOD /name", e.g. "POST /raft". */
  handlers: Record<string, PeerHandler>;
}

export const PEER_BASE = '/v1/peer';

export function createPeerRouter(opts: PeerRouterOptions): Router {
  const r = Router();
  const verifier = new PeerVerifier(opts.signer);
  const refusals = new Map<string, number>();
  r.use(express.raw({ type: () => true, limit: '8mb' }));
  r.use((req, res, next) => {
    const raw = rawBody(req);
    const verdict = verifier.check(req.method, req.originalUrl, req.headers, raw, opts.now());
    if (verdict.ok) {
      res.locals.peer = verdict;
      return next();
    }
    const claimed = String(req.headers[PEER_HEADERS.node] ?? 'unknown');
    const key = `${claimed}@${req.ip}`;
    const last = refusals.get(key) ?? 0;
    if (opts.now() - last > 10_000) {
      refusals.set(key, opts.now());
      opts.logger.warn(
        { peer: claimed, remote: req.ip, path: req.originalUrl, reason: verdict.reason },
        'peer request refused: not authenticated with the cluster token',
      );
    }
    res.status(401).json({ error: { code: 'unauthorized', message: `peer request refused: ${verdict.reason}` } });
  });
  for (const [key, handler] of Object.entries(opts.handlers)) {
    const [method, path] = key.split(' ') as [string, string];
    const route = method === 'GET' ? r.get.bind(r) : r.post.bind(r);
    route(path, async (req: Request, res: Response) => {
      const peer = res.locals.peer as { nodeId: string; nonce: string };
      let reply: PeerReply;
      try {
        reply = await handler({ from: peer.nodeId, remoteAddress: remoteIp(req), body: jsonBody(rawBody(req)) });
      } catch (e) {
        reply = toErrorResponse(e);
        if (reply.status >= 500 && !isRimError(e)) {
          opts.logger.error({ err: e, peer: peer.nodeId, path: req.originalUrl }, 'peer request failed');
        }
      }
      const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
      res.status(reply.status);
      res.setHeader(PEER_HEADERS.node, opts.nodeId);
      res.setHeader(PEER_HEADERS.signature, opts.signer.responseSignature(reply.status, peer.nonce, opts.nodeId, text));
      if (text) res.type('application/json').send(text);
      else res.end();
    });
  }
  return r;
}

function jsonBody(raw: Buffer): unknown {
  if (!raw.length) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw new ValidationError(`peer request body is not valid JSON: ${(e as Error).message}`);
  }
}

function rawBody(req: Request): Buffer {
  if (Buffer.isBuffer(req.body)) return req.body;
  // Mounted behind a JSON parser: our client sends JSON.stringify output, which re-serialises identically.
  if (req.body && typeof req.body === 'object' && Object.keys(req.body).length)
    return Buffer.from(JSON.stringify(req.body));
  return Buffer.alloc(0);
}

function remoteIp(req: Request): string {
  const ip = req.socket.remoteAddress ?? '';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
