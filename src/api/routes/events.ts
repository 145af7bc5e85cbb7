/**
 * GET /v1/events: server-sent events. Each event is `event: <type>` with a
 * JSON `data` line; a comment line keeps idle connections (and proxies) open.
 * Open streams are capped in all and per client address: each holds a
 * socket (a file handle) for as long as the client likes, so past the caps a
 * stream is refused with 503 and the connection closed. The refusal is
 * also offered ahead of express (`refuseEarly`), so that a flood of refused
 * streams costs no routing, body parsing or auth, and it is canned (built
 * once, written straight to the socket).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router, type Response } from 'express';
import { clientIp } from '../../http/refusal-cooldown.js';
import { cannedAnswer, refuseCanned, refuseJson } from '../../http/refuse-early.js';
import type { ApiDeps } from '../deps.js';

export const EVENT_STREAM_LIMITS = { total: 256, perClient: 8 };
const RETRY = { 'retry-after': 5 };

export interface EventRoutes {
  router: Router;
  /** Refuses a stream request past the caps, with no express work; false when it is not one. */
  refuseEarly(req: IncomingMessage, res: ServerResponse): boolean;
}

export function eventRoutes(deps: ApiDeps, open: Set<Response>): EventRoutes {
  const r = Router();
  const limits = deps.eventStreams ?? EVENT_STREAM_LIMITS;
  const perClient = new Map<string, number>();
  /** Refuses (and returns true) when `client` may not open one more stream. */
  // The two refusals, built once: a flood of them costs a write and a close each.
  const refusal = (which: string) => {
    const body = { error: { code: 'busy', message: `too many open event streams (at most ${which}): retry later` } };
    return { body, bytes: cannedAnswer(503, body, RETRY) };
  };
  const inAll = refusal(`${limits.total} in all`);
  const mineFull = refusal(`${limits.perClient} per client`);
  const refused = (req: IncomingMessage, res: ServerResponse, client: string): boolean => {
    const mine = perClient.get(client) ?? 0;
    if (open.size < limits.total && mine < limits.perClient) return false;
    const r = open.size >= limits.total ? inAll : mineFull;
    refuseCanned(req, res, r.bytes, () => refuseJson(req, res, 503, r.body, RETRY));
    deps.cooldown?.refused(client);
    return true;
  };
  r.get('/v1/events', (req, res) => {
    const client = clientAddress(req);
    if (refused(req, res, client)) return;
    const mine = perClient.get(client) ?? 0;
    perClient.set(client, mine + 1);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`: rim events from ${deps.nodeId}\nretry: 2000\n\n`);
    open.add(res);
    const unsubscribe = deps.events.subscribe((e) => {
      res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    });
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
  });
  return {
    router: r,
    refuseEarly: (req, res) =>
      req.method === 'GET' &&
      (req.url === '/v1/events' || req.url?.startsWith('/v1/events?') === true) &&
      refused(req, res, clientAddress(req)),
  };
}

function clientAddress(req: IncomingMessage): string {
  return clientIp(req.socket.remoteAddress);
}
