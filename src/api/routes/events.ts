/**
 * GET /v1/events: server-sent events. Each event is `event: <type>` with a
 * JSON `data` line; a comment line keeps idle connections (and proxies) open.
 * Open streams are capped in all and per client address: each holds a
 * socket (a file handle) for as long as the client likes, so past the caps a
 * stream is refused with 503 and the connection closed.
 */
import type { IncomingMessage } from 'node:http';
import { Router, type Response } from 'express';
import { refuseJson } from '../../http/refuse-early.js';
import type { ApiDeps } from '../deps.js';

export const EVENT_STREAM_LIMITS = { total: 256, perClient: 8 };

export function eventRoutes(deps: ApiDeps, open: Set<Response>): Router {
  const r = Router();
  const limits = deps.eventStreams ?? EVENT_STREAM_LIMITS;
  const perClient = new Map<string, number>();
  r.get('/v1/events', (req, res) => {
    const client = clientAddress(req);
    const mine = perClient.get(client) ?? 0;
    if (open.size >= limits.total || mine >= limits.perClient) {
      const which = open.size >= limits.total ? `${limits.total} in all` : `${limits.perClient} per client`;
      const message = `too many open event streams (at most ${which}): retry later`;
      refuseJson(req, res, 503, { error: { code: 'busy', message } }, { 'retry-after': 5 });
      deps.cooldown?.refused(client);
      return;
    }
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
  return r;
}

function clientAddress(req: IncomingMessage): string {
  const ip = req.socket.remoteAddress ?? '';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
