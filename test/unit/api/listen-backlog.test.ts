/**
 * The listen queue is deep enough for a burst of connections: a flooder that
 * opens a thousand at once must not fill it, or the kernel drops whatever
 * comes next (a `/healthz` probe among them) and its client retries only a
 * second later. Read from the kernel's own count of listen-queue overflows
 * (for the whole network namespace: another process's overflow can fail
 * this test, never pass it).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { test } from 'node:test';
import { LISTEN_BACKLOG, listenDeep } from '../../../src/http/connection-limits.js';

function listenOverflows(): number {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  const i = lines.findIndex((l) => l.startsWith('TcpExt:'));
  return Number(lines[i + 1]!.split(' ')[lines[i]!.split(' ').indexOf('ListenOverflows')]);
}

test('a burst of 1,000 connections, more than node’s default queue of 511, is queued whole', async () => {
  const burst = 1000;
  assert.ok(LISTEN_BACKLOG >= burst);
  let accepted = 0;
  const sockets: Socket[] = [];
  let all = () => undefined as void;
  const done = new Promise<void>((r) => (all = r));
  const server = createServer((s) => {
    sockets.push(s);
    if (++accepted === burst) all();
  });
  await listenDeep(server, 0, '127.0.0.1');
  const port = (server.address() as AddressInfo).port;
  const clients: Socket[] = [];
  try {
    const before = listenOverflows();
    // All are connected within this turn of the loop: the server accepts none of them meanwhile.
    for (let i = 0; i < burst; i++) clients.push(connect(port, '127.0.0.1').on('error', () => undefined));
    await done;
    assert.equal(listenOverflows() - before, 0, 'no connection was dropped for a full listen queue');
  } finally {
    for (const c of clients) c.destroy();
    for (const s of sockets) s.destroy();
    server.close();
  }
});
