/**
 * Caps on the connections one HTTP server holds: in all (node's
 * `maxConnections`, well below the process's file handles, so that Docker,
 * the store and the peers always have some) and per client address, so that
 * one client cannot hold them all. Connections past a cap are closed at once.
 * Slow clients lose their socket after the header and request timeouts.
 * An address in cool-down (refusal-cooldown.ts) has its connections closed
 * as soon as they are accepted, before node builds a socket for them
 * (accept-gate.ts; the 'connection' listener refuses them too, should the
 * gate be missing).
 */
import type { Server } from 'node:http';
import type { Server as NetServer, Socket } from 'node:net';
import { type AcceptGate, gateAccepts } from './accept-gate.js';
import { clientIp, type RefusalCooldown } from './refusal-cooldown.js';

export const CONNECTION_LIMITS = { total: 4096, perClient: 512, headersTimeoutMs: 10_000, requestTimeoutMs: 60_000 };

/**
 * The listen queue: connections the kernel has completed and the server has not yet accepted. When it is
 * full the kernel drops new ones, and their clients (`/healthz` probes among them) retry a second or more
 * later. Node's default (511) is below what one flooding client opens at once; the kernel caps this at
 * net.core.somaxconn (4096 by default since Linux 5.4). Deeper is not slower: node accepts one connection
 * per turn of its loop either way.
 */
export const LISTEN_BACKLOG = 4096;

/** Listens on `port` and `host` with the listen queue above; resolves once listening. */
export function listenDeep(server: NetServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * When a connection closes with a request still unanswered (a client gone, an event stream ended, a canned
 * refusal written straight to the socket), node's HTTP server destroys that request with a new
 * `ConnResetException('aborted')`, and the stream machinery formats its stack at once. A flood of closed
 * connections paid a captured and formatted stack trace each (159 of 2,115 busy ms of the appliance in a
 * profile of the events flood), for an error that says only "the client went away", in node's own frames.
 * So the stack trace limit is 0 between this module's 'close' listener that runs just before node's
 * (prepended with the connection) and one that runs just after (added after node's); nothing else runs
 * between the two.
 */
export const stacklessAborts = (() => {
  let saved: number | undefined;
  return {
    open(): void {
      saved ??= Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
    },
    shut(): void {
      if (saved === undefined) return;
      Error.stackTraceLimit = saved;
      saved = undefined;
    },
  };
})();

export function limitConnections(
  server: Server,
  limits: Partial<typeof CONNECTION_LIMITS> = {},
  cooldown?: RefusalCooldown,
): AcceptGate | undefined {
  const l = { ...CONNECTION_LIMITS, ...limits };
  server.maxConnections = l.total;
  server.headersTimeout = l.headersTimeoutMs;
  server.requestTimeout = l.requestTimeoutMs;
  const perClient = new Map<string, number>();
  // Ahead of the HTTP server's own listener. That listener still runs on a socket destroyed here (it sets up a
  // parser): refusing at accept (the gate) is the cheap way, this one is for what the gate cannot see.
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
      stacklessAborts.open();
    });
  });
  // After the HTTP server's own listener, so that this 'close' listener runs right after node's (stacklessAborts).
  server.on('connection', (socket: Socket) => socket.once('close', stacklessAborts.shut));
  return cooldown ? gateAccepts(server, (address) => cooldown.blocked(address)) : undefined;
}
