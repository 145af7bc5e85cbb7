/**
 * Caps on what a client can hold open: event streams in all and per client
 * address (503 past them, the slot freed when a stream closes), and
 * connections per client address. The stream is served and refused ahead of
 * express, with the admin guard's rule for reads.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ServerResponse } from 'node:http';
import express from 'express';
import type { ApiDeps } from '../../../src/api/deps.js';
import { eventRoutes } from '../../../src/api/routes/events.js';
import { EventBus } from '../../../src/events/event-bus.js';
import { limitConnections } from '../../../src/http/connection-limits.js';

/** Opens GET /v1/events from `source`; resolves with the status and the request (to end it). */
function openStream(port: number, source: string): Promise<{ status: number; req: http.ClientRequest }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/v1/events', localAddress: source, agent: false });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode!, req });
    });
    req.on('error', reject);
  });
}

describe('event streams are capped in all and per client address', { timeout: 10_000 }, () => {
  const open = new Set<ServerResponse>();
  const refusedFrom: string[] = [];
  const deps = {
    nodeId: 'n1',
    events: new EventBus(Date.now),
    eventStreams: { total: 3, perClient: 2 },
    cooldown: { refused: (a: string) => refusedFrom.push(a) },
  };
  let server: http.Server;
  let port = 0;
  const held: http.ClientRequest[] = [];
  /** Requests that reached express (the early handler serves and refuses streams before it). */
  let routed = 0;
  /** Answers written through node's response object (each stream's 200; no refusal). */
  let responseWork = 0;

  before(async () => {
    const app = express();
    const routes = eventRoutes(deps as unknown as ApiDeps, open);
    app.use((_req, _res, next) => {
      routed++;
      next();
    });
    app.use(routes.router);
    server = http.createServer((req, res) => {
      const head = res.writeHead.bind(res);
      res.writeHead = ((...a: Parameters<typeof head>) => {
        responseWork++;
        return head(...a);
      }) as typeof res.writeHead;
      if (!routes.serveEarly(req, res)) app(req, res);
    });
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    for (const r of held) r.destroy();
    server.closeAllConnections();
    server.close();
  });

  it('a third stream from one address is refused; another address gets one until the total is reached', async () => {
    const a1 = await openStream(port, '127.0.0.1');
    const a2 = await openStream(port, '127.0.0.1');
    held.push(a1.req, a2.req);
    assert.deepEqual([a1.status, a2.status], [200, 200]);
    assert.equal((await openStream(port, '127.0.0.1')).status, 503, 'per client');
    const b1 = await openStream(port, '127.0.0.2');
    held.push(b1.req);
    assert.equal(b1.status, 200);
    assert.equal((await openStream(port, '127.0.0.2')).status, 503, 'in all');
    assert.equal(open.size, 3);
    assert.equal(routed, 0, 'the streams were served and refused ahead of express');
    assert.equal(responseWork, 3, 'the refusals were canned answers: no response object wrote them');
    assert.deepEqual(refusedFrom, ['127.0.0.1', '127.0.0.2'], 'each refusal is told to the cool-down');
  });

  it('a refusal is a whole answer: 503, retry-after, connection: close, a JSON error; the socket closed', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      let text = '';
      const s = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1' });
      s.on('connect', () => s.write('GET /v1/events HTTP/1.1\r\nhost: x\r\n\r\n'));
      s.on('data', (c) => (text += String(c)));
      s.on('close', () => resolve(text));
      s.on('error', reject);
    });
    const [status, body] = answer.split('\r\n\r\n') as [string, string];
    const head = `${status}\r\n`;
    assert.match(head, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
    assert.match(head, /\r\nretry-after: 5\r\n/);
    assert.match(head, /\r\nconnection: close\r\n/);
    assert.match(head, new RegExp(`\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`));
    const { error } = JSON.parse(body) as { error: { code: string; message: string } };
    assert.equal(error.code, 'busy');
    // Which cap is reached depends on the streams the tests before left open: either exact message.
    const messages = ['2 per client', '3 in all'].map((w) => `too many open event streams (at most ${w}): retry later`);
    assert.ok(messages.includes(error.message), error.message);
  });

  it('a closed stream frees its slot', async () => {
    held.shift()!.destroy();
    await waitFor(() => open.size === 2);
    const again = await openStream(port, '127.0.0.1');
    held.push(again.req);
    assert.equal(again.status, 200);
  });
});

describe('with reads closed (api.openReads false), a stream needs the admin token', { timeout: 10_000 }, () => {
  const token = 'events-test-admin-token-0123456789';
  const deps = {
    nodeId: 'n1',
    events: new EventBus(Date.now),
    eventStreams: { total: 3, perClient: 3 },
    config: { api: { openReads: false } },
    adminToken: token,
    metrics: {
      countRequest: (method: string, route: string, status: number) => counted.push(`${method} ${route} ${status}`),
    },
  };
  const counted: string[] = [];
  let server: http.Server;
  let port = 0;
  let routed = 0;
  const held: http.ClientRequest[] = [];
  const get = (authorization?: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const headers = authorization ? { authorization } : undefined;
      const req = http.get({ host: '127.0.0.1', port, path: '/v1/events', agent: false, headers }, (res) => {
        if (res.statusCode === 200) {
          held.push(req);
          res.resume();
          return resolve({ status: 200, body: '' });
        }
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
    });

  before(async () => {
    const routes = eventRoutes(deps as unknown as ApiDeps, new Set());
    const app = express();
    app.use((_req, res) => {
      routed++;
      res.status(404).end();
    });
    server = http.createServer((req, res) => {
      if (!routes.serveEarly(req, res)) app(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    for (const r of held) r.destroy();
    server.closeAllConnections();
    server.close();
  });

  it('no token: 401 unauthorized; a wrong one: 401 token-rejected; the right one: the stream', async () => {
    const none = await get();
    assert.equal(none.status, 401);
    assert.equal((JSON.parse(none.body) as { error: { code: string } }).error.code, 'unauthorized');
    const wrong = await get('Bearer not-the-token');
    assert.equal(wrong.status, 401);
    assert.equal((JSON.parse(wrong.body) as { error: { code: string } }).error.code, 'token-rejected');
    assert.ok(!wrong.body.includes('not-the-token'), 'the refused token is not echoed');
    assert.equal((await get(`Bearer ${token}`)).status, 200);
    assert.equal(routed, 0, 'all three were answered ahead of express');
    const route = 'GET /v1/events';
    assert.deepEqual(counted, [`${route} 401`, `${route} 401`, `${route} 200`], 'counted as express counts requests');
  });
});

describe('connections are capped per client address', { timeout: 10_000 }, () => {
  const server = http.createServer((_req, res) => res.end('ok'));
  const sockets: Socket[] = [];
  let port = 0;
  before(async () => {
    limitConnections(server, { perClient: 3 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });

  /** Resolves 'closed' when the server cuts the connection, 'answered' when it answers a request on it. */
  function probe(source: string): Promise<'closed' | 'answered'> {
    return new Promise((resolve) => {
      const s = connect({ host: '127.0.0.1', port, localAddress: source });
      sockets.push(s);
      s.on('data', () => resolve('answered'));
      s.on('close', () => resolve('closed'));
      s.on('error', () => undefined);
      s.on('connect', () => s.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n'));
    });
  }

  it('the fourth connection from one address is closed; another address is served', async () => {
    const first = await Promise.all([probe('127.0.0.1'), probe('127.0.0.1'), probe('127.0.0.1')]);
    assert.deepEqual(first, ['answered', 'answered', 'answered']);
    assert.equal(await probe('127.0.0.1'), 'closed');
    assert.equal(await probe('127.0.0.3'), 'answered');
  });
});

async function waitFor(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}
