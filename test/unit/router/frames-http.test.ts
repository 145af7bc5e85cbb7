/** The frames endpoint's HTTP edges on plain node:http: which requests it takes, the admin token, the size limit. */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { createDataPlane, type DataPlane } from '../../../src/router/data-plane.js';
import { frameTarget } from '../../../src/router/frames-http.js';
import { replicaName } from '../../../src/domain/replica-spec.js';
import { app, deployment, doc, pipeline, replica } from '../domain/routing/fixtures.js';

describe('frames over HTTP: edges', () => {
  let dp: DataPlane;
  let server: http.Server;
  let base = '';
  const token = 't'.repeat(20);

  before(async () => {
    // 'cam' is not placed; 'open' is, on replicas nobody answers (its frames are read, then fail upstream).
    const placements = ['decode', 'detect', 'track'].map((module) => ({
      deployment: 'open',
      module,
      node: 'n1',
      accelerator: 'cpu',
      fps: 10,
    }));
    const deployments = [deployment('cam', 'syn'), deployment('open', 'syn')];
    const cluster = doc({ apps: [app(pipeline())], deployments, placements });
    const replicas = placements.map((p) => replica(replicaName('n1', 'syn', p.module, 'default', 'cpu'), 1));
    dp = createDataPlane({
      nodeId: 'n1',
      store: { read: () => cluster },
      supervisor: { replicas: () => replicas },
      adminToken: token,
      openFrames: false,
      maxFrameBytes: 10,
      logger: pino({ level: 'silent' }),
      now: Date.now,
    });
    server = http.createServer((req, res) => {
      if (!dp.intercept(req, res)) {
        res.writeHead(418);
        res.end('not a frame');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    dp.close();
    server.closeAllConnections();
    server.close();
  });

  it('takes only POST /v1/deployments/<name>/frames', () => {
    const req = (method: string, url: string) => ({ method, url }) as http.IncomingMessage;
    assert.equal(frameTarget(req('POST', '/v1/deployments/cam/frames')), 'cam');
    assert.equal(frameTarget(req('POST', '/v1/deployments/cam/frames?x=1')), 'cam');
    assert.equal(frameTarget(req('POST', '/v1/deployments/c%61m/frames')), 'cam');
    assert.equal(frameTarget(req('GET', '/v1/deployments/cam/frames')), undefined);
    assert.equal(frameTarget(req('POST', '/v1/deployments/cam')), undefined);
    assert.equal(frameTarget(req('POST', '/v1/deployments/a/b/frames')), undefined);
    assert.equal(frameTarget(req('POST', '/v1/deployments/%E0%A4%A/frames')), undefined, 'bad escape: not a frame');
    // The last URL's name is reused as is; any other URL is matched afresh.
    assert.equal(frameTarget(req('POST', '/v1/deployments/cam/frames')), 'cam');
    assert.equal(frameTarget(req('POST', '/v1/deployments/cam/frames')), 'cam');
    assert.equal(frameTarget(req('POST', '/v1/deployments/dog/frames')), 'dog');
    assert.equal(frameTarget(req('GET', '/v1/deployments/dog/frames')), undefined);
    assert.equal(frameTarget(req('POST', '/v1/deployments/dog/frames/x')), undefined);
  });

  it('with reads closed, frames need the admin token', async () => {
    const r = await fetch(`${base}/v1/deployments/cam/frames`, { method: 'POST', body: 'x' });
    assert.equal(r.status, 401);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'unauthorized');
    const wrong = await fetch(`${base}/v1/deployments/cam/frames`, {
      method: 'POST',
      body: 'x',
      headers: { authorization: 'Bearer not-it' },
    });
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { error: { code: string } }).error.code, 'token-rejected');
    const ok = await fetch(`${base}/v1/deployments/cam/frames`, {
      method: 'POST',
      body: 'x',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(ok.status, 503, 'past the guard: the deployment is not placed');
    assert.equal(((await ok.json()) as { error: { code: string } }).error.code, 'deployment-unplaced');
    assert.equal((await fetch(`${base}/v1/deployments`)).status, 418, 'other requests pass through');
  });

  it('a frame over the size limit gets 413, declared or streamed', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const big = await fetch(`${base}/v1/deployments/cam/frames`, {
      method: 'POST',
      body: 'x'.repeat(11),
      headers: auth,
    });
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as { error: { code: string } }).error.code, 'too-large');
    const chunked = await fetch(`${base}/v1/deployments/open/frames`, {
      method: 'POST',
      headers: auth,
      duplex: 'half',
      body: new ReadableStream({
        start(c) {
          c.enqueue(new Uint8Array(8));
          c.enqueue(new Uint8Array(8));
          c.close();
        },
      }),
    } as RequestInit);
    assert.equal(chunked.status, 413);
  });
});
