/**
 * The refusal cool-down: an address refused again and again has its new
 * connections closed at accept (nothing parsed or answered) for a while;
 * other addresses are served meanwhile; the table of addresses is bounded.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { test } from 'node:test';
import { limitConnections } from '../../../src/http/connection-limits.js';
import { clientIp, RefusalCooldown } from '../../../src/http/refusal-cooldown.js';

test('an address refused `refusals` times within the window is blocked for blockMs, then let in again', () => {
  let now = 1000;
  const c = new RefusalCooldown(() => now, { refusals: 3, windowMs: 1000, blockMs: 2000 });
  c.refused('10.0.0.9');
  c.refused('10.0.0.9');
  assert.equal(c.blocked('10.0.0.9'), false, 'two refusals: not yet');
  c.refused('10.0.0.9');
  assert.equal(c.blocked('10.0.0.9'), true);
  assert.equal(c.blocked('10.0.0.8'), false, 'another address is not');
  now += 1999;
  assert.equal(c.blocked('10.0.0.9'), true);
  now += 2;
  assert.equal(c.blocked('10.0.0.9'), false, 'after blockMs');
  // Refusals further apart than the window never block.
  for (let i = 0; i < 10; i++) {
    now += 1100;
    c.refused('10.0.0.7');
  }
  assert.equal(c.blocked('10.0.0.7'), false);
});

test('the table of addresses is bounded', () => {
  let now = 0;
  const c = new RefusalCooldown(() => now, { maxAddresses: 10, refusals: 1, blockMs: 100 });
  for (let i = 0; i < 50; i++) c.refused(`10.0.1.${i}`);
  assert.equal(c.size, 10);
  now += 10_000;
  c.refused('10.0.2.1');
  assert.ok(c.size <= 10);
  assert.equal(c.blocked('10.0.2.1'), true, 'old entries make room for new ones');
});

test("a blocked address's connections are closed at accept, before node makes a socket of them", async () => {
  const cooldown = new RefusalCooldown(Date.now, { refusals: 1, blockMs: 60_000 });
  let served = 0;
  const server = http.createServer((_req, res) => {
    served++;
    res.end('ok');
  });
  const gate = limitConnections(server, {}, cooldown);
  // Every connection made into a socket is announced here, the refused ones included when refused later.
  const sockets: string[] = [];
  server.on('connection', (s: Socket) => sockets.push(clientIp(s.remoteAddress)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  assert.equal(gate?.installed, true, "the gate sits on node's listen handle");
  const port = (server.address() as AddressInfo).port;
  const get = (localAddress: string) =>
    new Promise<string>((resolve) => {
      const q = http.get({ host: '127.0.0.1', port, localAddress, agent: false }, (res) => {
        res.resume();
        resolve(String(res.statusCode));
      });
      q.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
  try {
    assert.equal(await get('127.0.0.2'), '200');
    cooldown.refused('127.0.0.2');
    assert.equal(await get('127.0.0.2'), 'ECONNRESET');
    assert.equal(await get('127.0.0.3'), '200', 'other addresses are served');
    assert.equal(served, 2);
    assert.deepEqual(sockets, ['127.0.0.2', '127.0.0.3'], 'the blocked connection never became a socket');
    assert.equal(gate?.closed, 1);
  } finally {
    server.close();
  }
});
