/**
 * The upstream client's contract with a replica's POST /infer, over real
 * loopback sockets: the frame headers and bytes go out, a 2xx's output comes
 * back, and each way of failing maps to its UpstreamError kind; sockets are
 * pooled and kept alive, and a call never outlives its deadline.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { UpstreamClient, UpstreamError } from '../../../src/router/upstream-client.js';
import type { Endpoint } from '../../../src/domain/routing/replica-directory.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  socket: Socket;
}

describe('upstream client', { timeout: 20_000 }, () => {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  let mode: 'ok' | 'status' | 'big' | 'hang' | 'cut' = 'ok';
  let server: http.Server;
  let ep: Endpoint;
  const h = { deployment: 'dep', frameId: 'f-1', deadline: 1234 };

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body, socket: req.socket });
        if (mode === 'ok') {
          res.setHeader('content-type', 'image/x-test');
          res.setHeader('x-extra', 'yes');
          res.setHeader('x-twice', ['a', 'b']);
          res.end(Buffer.concat([Buffer.from('out:'), body]));
        } else if (mode === 'status') {
          res.writeHead(418, { 'content-type': 'text/plain' });
          res.end('not a teapot input');
        } else if (mode === 'big') {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          res.end(Buffer.alloc(4096, 1));
        } else if (mode === 'cut') {
          req.socket.destroy();
        }
        // hang: never answers
      });
    });
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    ep = { replica: 'r1', node: 'n1', host: '127.0.0.1', port: (server.address() as AddressInfo).port, weight: 1 };
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it('POSTs the frame to /infer with its headers and answers with the output and its content type', async () => {
    mode = 'ok';
    seen.length = 0;
    const c = new UpstreamClient();
    const out = await c.infer(ep, { body: Buffer.from('abc'), contentType: 'image/jpeg' }, h, 2000);
    assert.equal(out.body.toString(), 'out:abc');
    assert.equal(out.contentType, 'image/x-test');
    const s = seen[0]!;
    assert.equal(s.method, 'POST');
    assert.equal(s.url, '/infer');
    assert.equal(s.body.toString(), 'abc');
    assert.equal(s.headers['content-type'], 'image/jpeg');
    assert.equal(s.headers['content-length'], '3');
    assert.equal(s.headers['rim-deployment'], 'dep');
    assert.equal(s.headers['rim-frame-id'], 'f-1');
    assert.equal(s.headers['rim-deadline'], '1234');
    c.close();
  });

  it('exchange() reads the answer headers by lower-case name, repeats joined as node:http joins them', async () => {
    mode = 'ok';
    const c = new UpstreamClient();
    const res = await c.exchange('127.0.0.1', ep.port, '/other?q=1', { 'x-mine': 'v' }, Buffer.from('z'), 2000, 'r1');
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'out:z');
    assert.equal(res.header('content-type'), 'image/x-test');
    assert.equal(res.header('x-extra'), 'yes');
    assert.equal(res.header('x-twice'), 'a, b');
    assert.equal(res.header('x-absent'), undefined);
    assert.equal(seen.at(-1)!.url, '/other?q=1');
    assert.equal(seen.at(-1)!.headers['x-mine'], 'v');
    c.close();
  });

  it('calls to two addresses in turn each reach their own replica (the last pool serves its own only)', async () => {
    mode = 'ok';
    const other = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('other'));
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const ep2 = { ...ep, replica: 'r2', port: (other.address() as AddressInfo).port };
    const c = new UpstreamClient();
    const frame = { body: Buffer.from('x'), contentType: 'text/plain' };
    const got: string[] = [];
    for (const e of [ep, ep, ep2, ep2, ep]) got.push((await c.infer(e, frame, h, 2000)).body.toString());
    assert.deepEqual(got, ['out:x', 'out:x', 'other', 'other', 'out:x']);
    c.close();
    other.closeAllConnections();
    await new Promise((r) => other.close(r));
  });

  it('an empty frame goes out with content-length 0', async () => {
    mode = 'ok';
    seen.length = 0;
    const c = new UpstreamClient();
    const out = await c.infer(ep, { body: Buffer.alloc(0), contentType: 'text/plain' }, h, 2000);
    assert.equal(out.body.toString(), 'out:');
    assert.equal(seen[0]!.headers['content-length'], '0');
    c.close();
  });

  it('keeps its sockets alive: calls one after another use one connection', async () => {
    mode = 'ok';
    seen.length = 0;
    const c = new UpstreamClient();
    for (let i = 0; i < 5; i++) {
      await c.infer(ep, { body: Buffer.from(`${i}`), contentType: 'x/y' }, h, 2000);
      // The next frame comes at least one turn of the event loop later (a socket is reused from then on).
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(new Set(seen.map((s) => s.socket)).size, 1);
    // Side by side, each call has a connection of its own (no pipelining behind a slow frame).
    seen.length = 0;
    await Promise.all([1, 2, 3].map((i) => c.infer(ep, { body: Buffer.from(`${i}`), contentType: 'x/y' }, h, 2000)));
    assert.equal(new Set(seen.map((s) => s.socket)).size, 3);
    c.close();
  });

  it('a status ≥ 400 is a status error with the status and the start of the answer', async () => {
    mode = 'status';
    const c = new UpstreamClient();
    await assert.rejects(
      c.infer(ep, { body: Buffer.from('x'), contentType: 'x/y' }, h, 2000),
      (e: unknown) =>
        e instanceof UpstreamError &&
        e.kind === 'status' &&
        e.status === 418 &&
        e.message === 'r1 answered 418: not a teapot input',
    );
    c.close();
  });

  it('an answer over maxResponseBytes is too-large', async () => {
    mode = 'big';
    const c = new UpstreamClient({ maxResponseBytes: 1000 });
    await assert.rejects(
      c.infer(ep, { body: Buffer.from('x'), contentType: 'x/y' }, h, 2000),
      (e: unknown) => e instanceof UpstreamError && e.kind === 'too-large' && /more than 1000 bytes/.test(e.message),
    );
    c.close();
  });

  it('a replica that does not answer: a timeout at the deadline, and its socket is closed', async () => {
    mode = 'hang';
    seen.length = 0;
    const c = new UpstreamClient();
    const t0 = Date.now();
    await assert.rejects(
      c.infer(ep, { body: Buffer.from('x'), contentType: 'x/y' }, h, 150),
      (e: unknown) => e instanceof UpstreamError && e.kind === 'timeout' && /within 150 ms/.test(e.message),
    );
    const took = Date.now() - t0;
    assert.ok(took >= 140 && took < 1500, `took ${took} ms`);
    const s = seen[0]!.socket;
    if (!s.destroyed) await new Promise((r) => s.once('close', r));
    c.close();
  });

  it('a refused port: a connect error marked lost; a connection cut mid-call: a connect error, not lost', async () => {
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const c = new UpstreamClient();
    await assert.rejects(
      c.infer({ ...ep, port: closedPort }, { body: Buffer.from('x'), contentType: 'x/y' }, h, 2000),
      (e: unknown) =>
        e instanceof UpstreamError &&
        e.kind === 'connect' &&
        e.lost &&
        e.message.startsWith(`r1 at 127.0.0.1:${closedPort}: ECONNREFUSED`),
    );
    mode = 'cut';
    await assert.rejects(
      c.infer(ep, { body: Buffer.from('x'), contentType: 'x/y' }, h, 2000),
      (e: unknown) => e instanceof UpstreamError && e.kind === 'connect' && !e.lost,
    );
    // The client goes on: the next call opens a fresh connection.
    mode = 'ok';
    const out = await c.infer(ep, { body: Buffer.from('y'), contentType: 'x/y' }, h, 2000);
    assert.equal(out.body.toString(), 'out:y');
    c.close();
  });

  it('close() ends its pooled sockets', async () => {
    mode = 'ok';
    seen.length = 0;
    const c = new UpstreamClient();
    await c.infer(ep, { body: Buffer.from('x'), contentType: 'x/y' }, h, 2000);
    const s = seen[0]!.socket;
    assert.equal(s.destroyed, false);
    c.close();
    if (!s.destroyed) await new Promise((r) => s.once('close', r));
  });
});
