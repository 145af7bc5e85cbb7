/**
 * The peer API as an express Router, mounted at `/v1/peer` ahead of the
 * admin-token guard and the JSON parser (it reads the raw body to check the
 * signature). Every request must be signed with the cluster token; any
 * other is refused with 401 and logged (never with the token), at most once
 * per source address and period. The headers are checked before the body is
 * read, and bodies are read within a small limit and a shared byte budget.
 * Refusals no token holder causes (unsigned, malformed, badly signed, or
 * under peer ids made up by the dozen: stranger-ids.ts) are told to
 * `onRefused`, which cools the address down. A refusal is decided, logged
 * and counted when its request comes; its answer goes out through the
 * loop's turn budget (turn-budget.ts): a flood's hundred requests in one
 * poll are answered a few dozen a turn, with everyone else's I/O between.
 */
import { type Request, type Response, Router } from 'express';
import { isRimError, ValidationError } from '../domain/errors.js';
import { ByteBudget } from '../http/byte-budget.js';
import { toErrorResponse } from '../http/error-response.js';
import { readBody } from '../http/read-body.js';
import { refuseInTurn } from '../http/refuse-early.js';
import { loopBudget, type TurnBudget } from '../http/turn-budget.js';
import type { Logger } from '../log.js';
import { PEER_HEADERS, type PeerSigner, PeerVerifier } from './peer-auth.js';
import { RefusalLog } from './refusal-log.js';
import { StrangerIds } from './stranger-ids.js';

export interface PeerRequest {
  /** The authenticated sender. */
  from: string;
  /** The sender's address as this node sees it (remote ip). */
  remoteAddress: string;
  /** The parsed JSON body; undefined on a raw route. */
  body: unknown;
  /** The body's bytes (a raw route's payload). */
  raw: Buffer;
  /** The query string (signed with the path). */
  query: URLSearchParams;
}

export interface PeerReply {
  status: number;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, with its content type (a raw route's answer); signed like a JSON body. */
  raw?: { body: Buffer; contentType: string };
  headers?: Record<string, string>;
}

export type PeerHandler = (req: PeerRequest) => Promise<PeerReply> | PeerReply;

export interface PeerRouterOptions {
  nodeId: string;
  signer: PeerSigner;
  now: () => number;
  logger: Logger;
  /** Keyed by "METHOD /name", e.g. "POST /raft". */
  handlers: Record<string, PeerHandler>;
  /**
   * Whether `id` is a node this one knows (a member, or a peer it greeted).
   * Routes other than /hello and /join refuse unknown senders before their
   * body is read. Every sender is taken when unset.
   */
  isKnownPeer?: (id: string) => boolean;
  limits?: Partial<typeof PEER_LIMITS>;
  /**
   * Told the source address of each request refused for lacking the token (unsigned, malformed or
   * badly signed, or sent under one of many made-up peer ids): repeat offenders are then cut off at accept.
   */
  onRefused?: (address: string) => void;
  /**
   * Routes whose body is bytes, not JSON (the router's frame hop), keyed like
   * `handlers`, each with its body limit; members only, read within their own
   * shared budget (`limits.rawBudgetBytes`).
   */
  raw?: Record<string, { handler: PeerHandler; maxBytes: number }>;
  /** Refusals answered per turn of the loop (a stand-in in tests); the process's loopBudget() when unset. */
  turnBudget?: TurnBudget;
}

export const PEER_BASE = '/v1/peer';

/** Refusals that count towards an address's cool-down: no holder of the cluster token sends these. */
const HOSTILE = /^(not signed|malformed signature headers|bad signature)/;

/** Routes a node that is not yet a member may call (it introduces itself or asks to join). */
const OPEN_ROUTES = new Set(['POST /hello', 'POST /join']);

/** Body limits: a hello or a join is small; raft entries and proposals carry cluster documents. */
export const PEER_LIMITS = {
  openBytes: 64 * 1024,
  memberBytes: 4 * 1024 * 1024,
  budgetBytes: 16 * 1024 * 1024,
  /** Frames forwarded by other members' routers, all together. */
  rawBudgetBytes: 64 * 1024 * 1024,
};

export function createPeerRouter(opts: PeerRouterOptions): Router {
  const r = Router();
  const verifier = new PeerVerifier(opts.signer);
  const limits = { ...PEER_LIMITS, ...opts.limits };
  const budget = new ByteBudget(limits.budgetBytes);
  const rawBudget = new ByteBudget(limits.rawBudgetBytes);
  const raw = opts.raw ?? {};
  const refusals = new RefusalLog(opts.logger, opts.now);
  const strangers = new StrangerIds(opts.now);
  const answers = opts.turnBudget ?? loopBudget();
  const refuse = (req: Request, res: Response, status: number, code: string, reason: string, madeUp = false) => {
    const peer = String(req.headers[PEER_HEADERS.node] ?? 'unknown').slice(0, 64);
    refusals.refused(remoteIp(req), { peer, path: req.originalUrl.slice(0, 128), reason });
    // Only what no member of this cluster sends: a stale clock, a replay or a retired member is not cut off.
    if (madeUp || HOSTILE.test(reason)) opts.onRefused?.(remoteIp(req));
    const body = { error: { code, message: `peer request refused: ${reason}` } };
    refuseInTurn(answers, req, res, status, body);
  };
  // Headers first: nothing unsigned, stale, malformed or from an unknown node gets its body read.
  r.use((req, res, next) => {
    const pre = verifier.precheck(req.headers, opts.now());
    const open = OPEN_ROUTES.has(`${req.method} ${req.path}`);
    if (!pre.ok) return refuse(req, res, 401, 'unauthorized', pre.reason);
    if (!open && opts.isKnownPeer && !opts.isKnownPeer(pre.nodeId)) {
      const madeUp = strangers.claim(remoteIp(req), pre.nodeId);
      return refuse(req, res, 401, 'unauthorized', 'not a known member', madeUp);
    }
    if (req.readableEnded) {
      res.locals.raw = rawBody(req);
      return next();
    }
    const route = raw[`${req.method} ${req.path}`];
    const [limit, pool] = route ? [route.maxBytes, rawBudget] : [open ? limits.openBytes : limits.memberBytes, budget];
    readBody(req, limit, pool, 'a peer request').then(
      (held) => {
        res.on('close', held.release);
        res.locals.raw = held.body;
        next();
      },
      (e: unknown) => {
        const { status, body } = toErrorResponse(e);
        refuse(req, res, status, body.error.code, body.error.message);
      },
    );
  });
  r.use((req, res, next) => {
    const raw = res.locals.raw as Buffer;
    const verdict = verifier.check(req.method, req.originalUrl, req.headers, raw, opts.now());
    if (verdict.ok) {
      res.locals.peer = verdict;
      return next();
    }
    refuse(req, res, 401, 'unauthorized', verdict.reason);
  });
  const routes = [
    ...Object.entries(opts.handlers).map(([key, handler]) => ({ key, handler, json: true })),
    ...Object.entries(raw).map(([key, { handler }]) => ({ key, handler, json: false })),
  ];
  for (const { key, handler, json } of routes) {
    const [method, path] = key.split(' ') as [string, string];
    const route = method === 'GET' ? r.get.bind(r) : r.post.bind(r);
    route(path, async (req: Request, res: Response) => {
      const peer = res.locals.peer as { nodeId: string; nonce: string };
      const body = res.locals.raw as Buffer;
      let reply: PeerReply;
      try {
        const q = req.originalUrl.indexOf('?');
        reply = await handler({
          from: peer.nodeId,
          remoteAddress: remoteIp(req),
          body: json ? jsonBody(body) : undefined,
          raw: body,
          query: new URLSearchParams(q < 0 ? '' : req.originalUrl.slice(q + 1)),
        });
      } catch (e) {
        reply = toErrorResponse(e);
        if (reply.status >= 500 && !isRimError(e)) {
          opts.logger.error({ err: e, peer: peer.nodeId, path: req.originalUrl }, 'peer request failed');
        }
      }
      const text = reply.raw ? reply.raw.body : reply.body === undefined ? '' : JSON.stringify(reply.body);
      res.status(reply.status);
      for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
      res.setHeader(PEER_HEADERS.node, opts.nodeId);
      res.setHeader(PEER_HEADERS.signature, opts.signer.responseSignature(reply.status, peer.nonce, opts.nodeId, text));
      if (reply.raw) res.setHeader('content-type', reply.raw.contentType).end(reply.raw.body);
      else if (text) res.type('application/json').send(text);
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
