/**
 * The accept gate hands node at most `perTurn` new connections per turn of
 * the event loop, first come first served; the rest wait their turn (at most
 * `maxWaiting`, past which they are closed). Driven as libuv drives it: one
 * synchronous run of the listen handle's `onconnection` per accepted
 * connection, on a stand-in for a listening server.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:net';
import { test } from 'node:test';
import { gateAccepts } from '../../../src/http/accept-gate.js';

interface FakeHandle {
  id: number;
  address: string;
  closed: boolean;
  getpeername(out: { address?: string }): number;
  close(): void;
}

function fakeListener() {
  const handed: number[] = [];
  const handle = {
    onconnection(_status: number, client?: FakeHandle) {
      handed.push(client!.id);
    },
  };
  const server = { listening: true, _handle: handle, once: () => undefined } as unknown as Server;
  const client = (id: number, address = '10.0.0.1'): FakeHandle => ({
    id,
    address,
    closed: false,
    getpeername(out) {
      out.address = this.address;
      return 0;
    },
    close() {
      this.closed = true;
    },
  });
  /** A burst as libuv accepts it: every waiting connection, one onconnection each, in one go. */
  const burst = (clients: FakeHandle[]) => {
    for (const c of clients) handle.onconnection(0, c);
  };
  return { server, handed, client, burst };
}

const nextTurn = () => new Promise((r) => setImmediate(r));

test('a burst of 12 with perTurn 4: 4 now, 4 in each of the next two turns, in order', async () => {
  const f = fakeListener();
  const gate = gateAccepts(f.server, () => false, { perTurn: 4 });
  assert.equal(gate.installed, true);
  f.burst(Array.from({ length: 12 }, (_, i) => f.client(i)));
  assert.deepEqual(f.handed, [0, 1, 2, 3]);
  assert.equal(gate.waiting, 8);
  await nextTurn();
  assert.deepEqual(f.handed, [0, 1, 2, 3, 4, 5, 6, 7]);
  await nextTurn();
  assert.deepEqual(
    f.handed,
    Array.from({ length: 12 }, (_, i) => i),
  );
  assert.equal(gate.waiting, 0);
  // A connection arriving while others wait joins the queue behind them.
  f.burst(Array.from({ length: 6 }, (_, i) => f.client(100 + i)));
  await nextTurn();
  f.burst([f.client(200)]);
  assert.equal(f.handed.at(-1), 103, 'the newcomer is not handed ahead of those waiting');
  await nextTurn();
  assert.deepEqual(f.handed.slice(12), [100, 101, 102, 103, 104, 105, 200]);
});

test('past maxWaiting, connections are closed at once (shed); blocked addresses closed before counting', () => {
  const f = fakeListener();
  const gate = gateAccepts(f.server, (a) => a === '10.9.9.9', { perTurn: 2, maxWaiting: 3 });
  const clients = Array.from({ length: 7 }, (_, i) => f.client(i));
  const blocked = f.client(99, '10.9.9.9');
  f.burst([...clients, blocked]);
  assert.deepEqual(f.handed, [0, 1]);
  assert.equal(gate.waiting, 3);
  assert.equal(gate.shed, 2);
  assert.deepEqual(
    clients.map((c) => c.closed),
    [false, false, false, false, false, true, true],
  );
  assert.equal(blocked.closed, true);
  assert.equal(gate.closed, 1);
});
