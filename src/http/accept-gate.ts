/**
 * Closing a connection at accept, before node builds anything for it, and
 * pacing the rest. Node turns each accepted connection into a net.Socket
 * (streams, listeners, async ids) and hands it to every 'connection'
 * listener, the HTTP server's (which sets up a parser) among them, even when
 * the first listener destroys it. Under a flood from a cooled-down address
 * that was most of the cost of a refusal. The gate asks `closeAtAccept` with
 * the client's address as soon as the connection is accepted and closes the
 * bare handle when it says so, as node itself does past `maxConnections`.
 *
 * Pacing: libuv accepts every connection waiting in the listen queue in one
 * go, and node builds a socket for each at once; the requests on them are
 * then read, parsed and answered together in the next turn of the loop. A
 * burst of a thousand connections made one turn of several hundred
 * milliseconds, and a `/healthz` on the health listener (same loop) waited
 * for it. The gate hands node at most `perTurn` connections per turn of the
 * loop; the others wait, accepted but untouched (a file handle each, at most
 * `maxWaiting`, past which they are closed), and are handed over in the next
 * turns, first come first served. Nothing is slower on the whole: the work
 * is the same, cut into slices that other I/O passes between.
 *
 * This wraps the listen handle's `onconnection`, which is node's internals:
 * where it is missing (another runtime, a later node), `installed` is false
 * and the 'connection' listeners are left to refuse as before, unpaced.
 */
import type { Server } from 'node:net';
import { clientIp } from './refusal-cooldown.js';

interface AcceptedHandle {
  getpeername?(out: { address?: string }): number;
  close(): void;
}

type OnConnection = (this: unknown, status: number, client?: AcceptedHandle) => void;

export interface AcceptGate {
  /** Whether the gate sits on the listen handle (false until the server listens, or when node's internals differ). */
  readonly installed: boolean;
  /** Connections closed at accept so far (`closeAtAccept`). */
  readonly closed: number;
  /** Connections closed because `maxWaiting` were already waiting for their turn. */
  readonly shed: number;
  /** Connections accepted and not yet handed to node (waiting for a turn). */
  readonly waiting: number;
}

export const ACCEPT_PACING = { perTurn: 32, maxWaiting: 4096 };

export function gateAccepts(
  server: Server,
  closeAtAccept: (address: string) => boolean,
  pacing: Partial<typeof ACCEPT_PACING> = {},
): AcceptGate {
  const { perTurn, maxWaiting } = { ...ACCEPT_PACING, ...pacing };
  const queue: { self: unknown; client: AcceptedHandle }[] = [];
  let handedThisTurn = 0;
  let turnScheduled = false;
  const gate = {
    installed: false,
    closed: 0,
    shed: 0,
    get waiting() {
      return queue.length;
    },
  };
  const install = () => {
    const handle = (server as unknown as { _handle?: { onconnection?: OnConnection } })._handle;
    const accept = handle?.onconnection;
    if (!handle || typeof accept !== 'function') return;
    // The check phase after this turn's I/O: a new budget, and the connections waiting get theirs first.
    const nextTurn = () => {
      turnScheduled = false;
      handedThisTurn = 0;
      while (queue.length && handedThisTurn < perTurn) {
        const { self, client } = queue.shift()!;
        handedThisTurn++;
        if (server.listening) accept.call(self, 0, client);
        else client.close();
      }
      if (handedThisTurn) schedule();
    };
    const schedule = () => {
      if (turnScheduled) return;
      turnScheduled = true;
      setImmediate(nextTurn);
    };
    handle.onconnection = function (this: unknown, status: number, client?: AcceptedHandle) {
      if (status !== 0 || !client) return accept.call(this, status, client);
      const peer: { address?: string } = {};
      if (client.getpeername?.(peer) === 0 && closeAtAccept(clientIp(peer.address))) {
        gate.closed++;
        client.close();
        return;
      }
      if (queue.length === 0 && handedThisTurn < perTurn) {
        handedThisTurn++;
        schedule();
        return accept.call(this, status, client);
      }
      if (queue.length >= maxWaiting) {
        gate.shed++;
        client.close();
        return;
      }
      queue.push({ self: this, client });
      schedule();
    };
    gate.installed = true;
  };
  if (server.listening) install();
  else server.once('listening', install);
  return gate;
}
