/**
 * The health listener (api.healthPort): `GET /healthz` on a port of its own
 * is not queued behind a flood of connections to the API's port. Shown by
 * order, not by time: 1,000 connections are queued on an API listener that
 * spends a moment on each, then a probe asks the health listener; it is
 * answered while most of the 1,000 still wait. The same probe on the API's
 * port is answered only after every one of them (the contrast this listener
 * exists for).
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { listenDeep } from '../../../src/http/connection-limits.js';
import { aliveAnswer, listenHealth } from '../../../src/http/health-listener.js';

const BURST = 1000;

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An API listener that works ~1 ms on each accepted connection (as a flood's refusals cost), with /healthz. */
async function slowApi(alive: ReturnType<typeof aliveAnswer>) {
  let accepted = 0;
  const server = createServer((req, res) => {
    if (!alive(req, res)) res.end();
  });
  server.on('connection', () => {
    accepted++;
    const until = performance.now() + 1;
    while (performance.now() < until);
  });
  await listenDeep(server, 0, '127.0.0.1');
  return { server, port: (server.address() as AddressInfo).port, accepted: () => accepted };
}

async function flood(port: number): Promise<Socket[]> {
  const clients: Socket[] = [];
  const connected: Promise<void>[] = [];
  for (let i = 0; i < BURST; i++) {
    const s = connect(port, '127.0.0.1').on('error', () => undefined);
    clients.push(s);
    connected.push(new Promise((r) => s.once('connect', () => r())));
  }
  // Every connection is in the API's listen queue (the kernel completed its handshake) before the probe.
  await Promise.all(connected);
  return clients;
}

test('the health listener answers /healthz while a flood waits in the API port’s queue', async () => {
  const alive = aliveAnswer('box-1');
  const api = await slowApi(alive);
  const health = await listenHealth(alive, 0, '127.0.0.1');
  const clients = await flood(api.port);
  try {
    const r = await get((health.address() as AddressInfo).port, '/healthz');
    const acceptedThen = api.accepted();
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { status: 'alive', node: 'box-1' });
    assert.ok(acceptedThen < BURST / 2, `answered after ${acceptedThen} of ${BURST} flood connections`);
  } finally {
    for (const c of clients) c.destroy();
    api.server.close();
    api.server.closeAllConnections();
    health.close();
  }
});

test('on the API’s own port the same probe waits behind the whole flood', async () => {
  const api = await slowApi(aliveAnswer('box-1'));
  const clients = await flood(api.port);
  try {
    const r = await get(api.port, '/healthz');
    assert.equal(r.status, 200);
    assert.ok(api.accepted() > BURST, `answered after ${api.accepted()} connections`);
  } finally {
    for (const c of clients) c.destroy();
    api.server.close();
    api.server.closeAllConnections();
  }
});

test('the health listener serves nothing but GET /healthz', async () => {
  const health = await listenHealth(aliveAnswer('box-1'), 0, '127.0.0.1');
  try {
    const port = (health.address() as AddressInfo).port;
    assert.equal((await get(port, '/v1/deployments')).status, 404);
    assert.equal((await get(port, '/readyz')).status, 404);
    assert.equal((await get(port, '/healthz')).status, 200);
  } finally {
    health.close();
  }
});
