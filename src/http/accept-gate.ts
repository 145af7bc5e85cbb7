/**
 * Closing a connection at accept, before node builds anything for it. Node
 * turns each accepted connection into a net.Socket (streams, listeners,
 * async ids) and hands it to every 'connection' listener, the HTTP server's
 * (which sets up a parser) among them, even when the first listener destroys
 * it. Under a flood from a cooled-down address that was most of the cost of a
 * refusal. The gate asks `closeAtAccept` with the client's address as soon as
 * the connection is accepted and closes the bare handle when it says so, as
 * node itself does past `maxConnections`.
 *
 * This wraps the listen handle's `onconnection`, which is node's internals:
 * where it is missing (another runtime, a later node), `installed` is false
 * and the 'connection' listeners are left to refuse as before.
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
  /** Connections closed at accept so far. */
  readonly closed: number;
}

export function gateAccepts(server: Server, closeAtAccept: (address: string) => boolean): AcceptGate {
  const gate = { installed: false, closed: 0 };
  const install = () => {
    const handle = (server as unknown as { _handle?: { onconnection?: OnConnection } })._handle;
    const accept = handle?.onconnection;
    if (!handle || typeof accept !== 'function') return;
    handle.onconnection = function (this: unknown, status: number, client?: AcceptedHandle) {
      if (status === 0 && client?.getpeername) {
        const peer: { address?: string } = {};
        if (client.getpeername(peer) === 0 && closeAtAccept(clientIp(peer.address))) {
          gate.closed++;
          client.close();
          return;
        }
      }
      accept.call(this, status, client);
    };
    gate.installed = true;
  };
  if (server.listening) install();
  else server.once('listening', install);
  return gate;
}
