/**
 * Caps on the connections one HTTP server holds: in all (node's
 * `maxConnections`, well below the process's file handles, so that Docker,
 * the store and the peers always have some) and per client address, so that
 * one client cannot hold them all. Connections past a cap are closed at once.
 * Slow clients lose their socket after the header and request timeouts.
 * An address in cool-down (refusal-cooldown.ts) has its connections closed
 * as soon as they are accepted, before any parsing.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { clientIp, type RefusalCooldown } from './refusal-cooldown.js';

export const CONNECTION_LIMITS = { total: 4096, perClient: 512, headersTimeoutMs: 10_000, requestTimeoutMs: 60_000 };

export function limitConnections(
  server: Server,
  limits: Partial<typeof CONNECTION_LIMITS> = {},
  cooldown?: RefusalCooldown,
): void {
  const l = { ...CONNECTION_LIMITS, ...limits };
  server.maxConnections = l.total;
  server.headersTimeout = l.headersTimeoutMs;
  server.requestTimeout = l.requestTimeoutMs;
  const perClient = new Map<string, number>();
  // Ahead of the HTTP server's own listener: a closed socket is never given a parser's work.
  server.prependListener('connection', (socket: Socket) => {
    const client = socket.remoteAddress ?? '';
    if (cooldown?.blocked(clientIp(client))) {
      socket.destroy();
      return;
    }
    const n = (perClient.get(client) ?? 0) + 1;
    if (n > l.perClient) {
      socket.destroy();
      return;
    }
    perClient.set(client, n);
    socket.once('close', () => {
      const left = (perClient.get(client) ?? 1) - 1;
      if (left > 0) perClient.set(client, left);
      else perClient.delete(client);
    });
  });
}
