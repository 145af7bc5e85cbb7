/**
 * Liveness, cheap whatever else arrives. `GET /healthz` is answered before
 * any routing or parsing (nothing logged), on the API's listener and, when
 * `api.healthPort` is set, on a listener of its own that answers nothing
 * else: a flood of connections to the API's port queues in that port's
 * listen queue, and a health checker's connection to its own port is not
 * behind them (the two share the event loop, not the queue).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenDeep } from './connection-limits.js';

export type AliveAnswer = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Answers `GET /healthz` (true) or leaves the request alone (false). */
export function aliveAnswer(nodeId: string): AliveAnswer {
  const body = JSON.stringify({ status: 'alive', node: nodeId });
  const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) };
  return (req, res) => {
    if (req.method !== 'GET' || req.url !== '/healthz') return false;
    res.writeHead(200, headers);
    res.end(body);
    return true;
  };
}

/** The health listener: `GET /healthz`, 404 for anything else; `port` 0 takes a free one. */
export async function listenHealth(alive: AliveAnswer, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (alive(req, res)) return;
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('only GET /healthz is served on this port\n');
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 5000;
  server.requestTimeout = 5000;
  await listenDeep(server, port, host);
  return server;
}
