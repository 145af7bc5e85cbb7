/**
 * GET /v1/events: server-sent events. Each event is `event: <type>` with a
 * JSON `data` line; a comment line keeps idle connections (and proxies) open.
 */
import { Router, type Response } from 'express';
import type { ApiDeps } from '../deps.js';

export function eventRoutes(deps: ApiDeps, open: Set<Response>): Router {
  const r = Router();
  r.get('/v1/events', (req, res) => {
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
    const close = () => {
      clearInterval(keepAlive);
      unsubscribe();
      open.delete(res);
    };
    req.on('close', close);
    res.on('error', close);
  });
  return r;
}
