/**
 * GET /v1/events: server-sent events. Each event is `event: <type>` with a
 * JSON `data` line; a comment line keeps idle connections (and proxies) open.
 * Open streams are capped in all and per client address: each holds a
 * socket (a file handle) for as long as the client likes, so past the caps a
 * stream is refused with 503 and the connection closed.
 *
 * The stream is served ahead of express (`serveEarly`, on the HTTP server's
 * 'request' event): under a flood of stream opens, routing through a dozen
 * routers, the body parser and the guard cost more than the stream itself.
 * So the early handler does what those would for this one route: the admin
 * guard's rule for reads (open when `api.openReads`, else the admin token),
 * the caps, the request count. Its refusals (401, 503) are canned: built
 * once, bytes and all, and written straight to the socket. The express route
 * stays for what the early handler leaves (HEAD, a pipelined request), with
 * the same caps and stream.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router } from 'express';
import { adminTokenError } from '../../http/admin-token-error.js';
import { bearerToken, tokenMatches } from '../../http/bearer-token.js';
import { toErrorResponse } from '../../http/error-response.js';
import { closeIfCooled } from '../../http/cooled-requests.js';
import { clientIp } from '../../http/refusal-cooldown.js';
import { cannedAnswer, refuseCanned, refuseJson } from '../../http/refuse-early.js';
import { loopBudget, type TurnBudget } from '../../http/turn-budget.js';
import type { RimEvent } from '../../events/event-bus.js';
import type { ApiDeps } from '../deps.js';

export const EVENT_STREAM_LIMITS = { total: 256, perClient: 8 };
const RETRY = { 'retry-after': 5 };
const ROUTE = '/v1/events';

export interface EventRoutes {
  router: Router;
  /**
   * Serves (or refuses) `GET /v1/events` with no express work: true when it took the request, false when it
   * is not one (then express routes it as usual).
   */
  serveEarly(req: IncomingMessage, res: ServerResponse): boolean;
}

type Deps = Pick<ApiDeps, 'nodeId' | 'events' | 'eventsKeepAliveMs' | 'eventStreams' | 'cooldown'> &
  Partial<Pick<ApiDeps, 'config' | 'adminToken' | 'metrics'>> & {
    /** Stream requests answered per turn of the loop (a stand-in in tests); the process's loopBudget() when unset. */
    turnBudget?: TurnBudget;
  };

/** An answer built once: its bytes for the socket, its body for a response object when it cannot be canned. */
interface Canned {
  status: number;
  body: unknown;
  headers: Record<string, string | number>;
  bytes: Buffer;
}

function canned(status: number, body: unknown, headers: Record<string, string | number> = {}): Canned {
  return { status, body, headers, bytes: cannedAnswer(status, body, headers) };
}

export function eventRoutes(deps: Deps, open: Set<ServerResponse>): EventRoutes {
  const r = Router();
  const limits = deps.eventStreams ?? EVENT_STREAM_LIMITS;
  const perClient = new Map<string, number>();
  // The refusals, built once: a flood of them costs a write and a close each.
  const busy = (which: string) =>
    canned(
      503,
      { error: { code: 'busy', message: `too many open event streams (at most ${which}): retry later` } },
      RETRY,
    );
  const inAll = busy(`${limits.total} in all`);
  const mineFull = busy(`${limits.perClient} per client`);
  const unauthorized = (header: string | undefined) => {
    const { status, body } = toErrorResponse(adminTokenError(header, 'reads need'));
    return canned(status, body);
  };
  const noToken = unauthorized(undefined);
  const wrongToken = unauthorized('Bearer x');
  const refuse = (req: IncomingMessage, res: ServerResponse, c: Canned) =>
    refuseCanned(req, res, c.bytes, () => refuseJson(req, res, c.status, c.body, c.headers));

  /** Refuses (and returns true) when `client` may not open one more stream. */
  const refused = (req: IncomingMessage, res: ServerResponse, client: string): boolean => {
    const mine = perClient.get(client) ?? 0;
    if (open.size < limits.total && mine < limits.perClient) return false;
    refuse(req, res, open.size >= limits.total ? inAll : mineFull);
    deps.cooldown?.refused(client);
    return true;
  };

  // Every open stream gets the same event object from the bus: it is written out once, not once per stream.
  let last: RimEvent | undefined;
  let lastFrame = '';
  const frame = (e: RimEvent): string => {
    if (e !== last) {
      last = e;
      lastFrame = `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
    }
    return lastFrame;
  };

  /** The stream itself, once the caps let it in. */
  const stream = (req: IncomingMessage, res: ServerResponse, client: string) => {
    perClient.set(client, (perClient.get(client) ?? 0) + 1);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`: rim events from ${deps.nodeId}\nretry: 2000\n\n`);
    open.add(res);
    const unsubscribe = deps.events.subscribe((e) => res.write(frame(e)));
    // One timer per open stream, only while it is open: nothing ticks at idle without listeners.
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), deps.eventsKeepAliveMs ?? 15_000);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(keepAlive);
      unsubscribe();
      open.delete(res);
      const left = (perClient.get(client) ?? 1) - 1;
      if (left > 0) perClient.set(client, left);
      else perClient.delete(client);
    };
    req.on('close', close);
    res.on('close', close);
    res.on('error', close);
  };

  r.get(ROUTE, (req, res) => {
    const client = clientAddress(req);
    if (!refused(req, res, client)) stream(req, res, client);
  });

  // The admin guard's rule for reads (src/api/auth.ts): open on the LAN when api.openReads, else the token.
  const readsOpen = deps.config?.api.openReads ?? true;
  /** The answer to one stream request: a refusal (401, 503) or the stream. */
  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    // Its client left while it waited for its turn: nothing to answer, no stream to count.
    if (req.socket.destroyed) return;
    // Its address cooled down while it waited (its earlier requests refused): closed unanswered, as at accept.
    if (closeIfCooled(deps.cooldown, req)) return;
    // Counted as express counts a request (by the route's path), when its answer is decided: a stream has no end.
    const count = (status: number) => deps.metrics?.countRequest('GET', ROUTE, status);
    if (!readsOpen) {
      const header = req.headers.authorization;
      if (!tokenMatches(bearerToken(header), deps.adminToken ?? '')) {
        const which = bearerToken(header) === undefined ? noToken : wrongToken;
        refuse(req, res, which);
        count(which.status);
        return;
      }
    }
    const client = clientAddress(req);
    if (refused(req, res, client)) count(503);
    else {
      stream(req, res, client);
      count(200);
    }
  };
  const budget = deps.turnBudget ?? loopBudget();
  const serveEarly = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'GET' || (req.url !== ROUTE && req.url?.startsWith(`${ROUTE}?`) !== true)) return false;
    budget.run(() => answer(req, res));
    return true;
  };

  return { router: r, serveEarly };
}

function clientAddress(req: IncomingMessage): string {
  return clientIp(req.socket.remoteAddress);
}
