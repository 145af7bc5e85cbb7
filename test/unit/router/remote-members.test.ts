/**
 * Replicas on other members, over real loopback HTTP and the real signed
 * peer API: the router learns their ports from the member's
 * `GET /v1/peer/replicas` (HMAC with the cluster token, never the admin
 * token); the first frame waits for that first answer (within its
 * deadline); a member that does not answer, or answers without the cluster
 * token, gives a 503 naming the replica, never a hang.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import pino from 'pino';
import { PeerSigner } from '../../../src/cluster/peer-auth.js';
import { PeerClient } from '../../../src/cluster/peer-client.js';
import { createPeerRouter, PEER_BASE } from '../../../src/cluster/peer-server.js';
import { replicaName } from '../../../src/domain/replica-spec.js';
import { createDataPlane, type DataPlane } from '../../../src/router/data-plane.js';
import { PeerHop } from '../../../src/router/replica-hop.js';
import { routerPeerHandlers, routerPeerRawRoutes } from '../../../src/router/router-peer-api.js';
import { UpstreamClient } from '../../../src/router/upstream-client.js';
import { app, deployment, doc, manifest, mod, replica } from '../domain/routing/fixtures.js';

const TOKEN = 'cluster-token-for-the-unit-test-0001';
const ADMIN = 'admin-token-that-must-never-travel-01';
const silent = pino({ level: 'silent' });
const UNREPORTED = /rim-n2-one-only-default-cpu: node n2 has not reported its replicas \(port unknown\)/;
/** Where n2's replica answers: its sandbox's address (another loopback address here), not 127.0.0.1. */
const SANDBOX = '127.0.0.2';
const listen = async (s: http.Server, host = '127.0.0.1') => {
  await new Promise<void>((r) => s.listen(0, host, r));
  return (s.address() as AddressInfo).port;
};

describe('replicas on other members, over the signed peer API', () => {
  const servers: http.Server[] = [];
  const planes: DataPlane[] = [];
  let modulePort = 0;
  const asked: (http.IncomingHttpHeaders & { path: string })[] = [];
  const atModule: http.IncomingHttpHeaders[] = [];
  const listOf = () => asked.filter((h) => h.path === '/v1/peer/replicas');

  /**
   * A member n2 whose peer API (signed with `token`) reports one replica,
   * listening on modulePort of n2's sandbox address, and forwards frames to it there.
   */
  const member = async (token: string, maxBytes?: number) => {
    const local = [replica(replicaName('n2', 'one', 'only', 'default', 'cpu'), modulePort)];
    const report = {
      replicas: () => ({ replicas: local, arrivals: {} }),
      windows: () => ({}),
      hop: { replicas: () => local, replicaHost: () => SANDBOX, client: new UpstreamClient(), now: Date.now },
    };
    const peer = createPeerRouter({
      nodeId: 'n2',
      signer: new PeerSigner(token),
      now: Date.now,
      logger: silent,
      handlers: routerPeerHandlers(() => report),
      raw: routerPeerRawRoutes(() => report, maxBytes),
      isKnownPeer: (id) => id === 'n1',
    });
    const a = express();
    // A member that takes a moment to answer its replica list.
    a.use((req, _res, next) => {
      asked.push({ ...req.headers, path: req.path });
      setTimeout(next, req.path === '/v1/peer/replicas' ? 150 : 0);
    });
    a.use(PEER_BASE, peer);
    const s = http.createServer(a);
    servers.push(s);
    return `127.0.0.1:${await listen(s)}`;
  };

  before(async () => {
    const m = http.createServer((req, res) => {
      if (req.url === '/infer') atModule.push(req.headers);
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('remote-out');
      });
    });
    modulePort = await listen(m, SANDBOX);
    servers.push(m);
  });
  after(() => {
    for (const p of planes) p.close();
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  });

  const plane = async (memberAddress: string) => {
    const cluster = doc({
      apps: [app(manifest('one', 'only', [mod('only', [])]))],
      deployments: [deployment('cam', 'one', 100, 1500)],
      placements: [{ deployment: 'cam', module: 'only', node: 'n2', accelerator: 'cpu', fps: 100 }],
      members: [{ id: 'n2', address: memberAddress }],
    });
    const dp = createDataPlane({
      nodeId: 'n1',
      store: { read: () => cluster },
      supervisor: { replicas: () => [] },
      adminToken: ADMIN,
      openFrames: true,
      logger: silent,
      now: Date.now,
      peers: new PeerClient({ nodeId: 'n1', signer: new PeerSigner(TOKEN), now: Date.now }),
      hop: new PeerHop({ nodeId: 'n1', signer: new PeerSigner(TOKEN), now: Date.now }),
    });
    planes.push(dp);
    const s = http.createServer((req, res) => {
      if (!dp.intercept(req, res)) {
        res.writeHead(404);
        res.end();
      }
    });
    servers.push(s);
    return `http://127.0.0.1:${await listen(s)}/v1/deployments/cam/frames`;
  };

  it("the first frame waits for the member's first answer and goes to its replica through its peer API", async () => {
    asked.length = 0;
    atModule.length = 0;
    const url = await plane(await member(TOKEN));
    const t0 = Date.now();
    const r = await fetch(url, { method: 'POST', body: 'x' });
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'remote-out');
    assert.equal(listOf().length, 1);
    const again = await fetch(url, { method: 'POST', body: 'y' });
    assert.equal(again.status, 200);
    assert.equal(listOf().length, 1, 'the list is kept for a while, not asked per frame');
    for (const h of asked) {
      assert.equal(h.authorization, undefined, 'no bearer token travels');
      assert.ok(!JSON.stringify(h).includes(ADMIN), 'the admin token is nowhere in the request');
      assert.match(String(h['rim-peer-signature']), /^[0-9a-f]{64}$/, 'the request is signed');
    }
    // Both frames went through n2's peer API (signed), never straight to the replica's port.
    const hops = asked.filter((h) => h.path === '/v1/peer/infer');
    assert.equal(hops.length, 2);
    assert.equal(atModule.length, 2);
    // The module sees the frame's own deployment, id and deadline (arrival + 1500 ms), as if called directly.
    assert.equal(atModule[0]!['rim-deployment'], 'cam');
    assert.match(String(atModule[0]!['rim-frame-id']), /^n1-/);
    const deadline = Number(atModule[0]!['rim-deadline']);
    assert.ok(deadline > t0 + 1000 && deadline <= Date.now() + 1500, `deadline ${deadline - t0} ms after sending`);
  });

  it("a frame for a replica the member does not run gets a signed failure with the member's reason", async () => {
    const address = await member(TOKEN);
    const hop = new PeerHop({ nodeId: 'n1', signer: new PeerSigner(TOKEN), now: Date.now });
    const ep = { replica: 'rim-n2-ghost', node: 'n2', host: '127.0.0.1', port: modulePort, weight: 1, via: address };
    const client = new UpstreamClient({ hop });
    const h = { deployment: 'cam', frameId: 'f1', deadline: Date.now() + 1000 };
    await assert.rejects(client.infer(ep, { body: Buffer.from('x'), contentType: 'text/plain' }, h, 1000), {
      kind: 'connect',
      lost: true,
      message: /replica rim-n2-ghost is not running here \(via n2\)/,
    });
    // Under another token the answer is not believed, whatever it says.
    const stranger = new PeerHop({
      nodeId: 'n1',
      signer: new PeerSigner('not-this-clusters-token-000001'),
      now: Date.now,
    });
    await assert.rejects(
      new UpstreamClient({ hop: stranger }).infer(
        { ...ep, replica: replicaName('n2', 'one', 'only', 'default', 'cpu') },
        { body: Buffer.from('x'), contentType: 'text/plain' },
        h,
        1000,
      ),
      { kind: 'connect', message: /without n2's valid signature/ },
    );
    client.close();
  });

  it('a forwarded frame over the hop limit is refused before it reaches the replica (413)', async () => {
    atModule.length = 0;
    const address = await member(TOKEN, 1024);
    const hop = new PeerHop({ nodeId: 'n1', signer: new PeerSigner(TOKEN), now: Date.now });
    const name = replicaName('n2', 'one', 'only', 'default', 'cpu');
    const ep = { replica: name, node: 'n2', host: '127.0.0.1', port: modulePort, weight: 1, via: address };
    const client = new UpstreamClient({ hop });
    const h = { deployment: 'cam', frameId: 'f2', deadline: Date.now() + 1000 };
    const ok = await client.infer(ep, { body: Buffer.alloc(1024, 1), contentType: 'x/y' }, h, 1000);
    assert.equal(ok.body.toString(), 'remote-out');
    await assert.rejects(client.infer(ep, { body: Buffer.alloc(1025, 1), contentType: 'x/y' }, h, 1000), (e: Error) =>
      /answered 413 without n2's valid signature/.test(e.message),
    );
    assert.equal(atModule.length, 1, 'only the frame within the limit reached the module');
    client.close();
  });

  it('a member that answers without the cluster token is not believed: 503 naming the replica', async () => {
    const url = await plane(await member('another-clusters-token-0000000001'));
    const r = await fetch(url, { method: 'POST', body: 'x' });
    assert.equal(r.status, 503);
    const e = (await r.json()) as { error: { code: string; message: string } };
    assert.match(e.error.message, UNREPORTED);
  });

  it('a member that does not answer: 503 naming the replica, within the deadline', async () => {
    const closed = http.createServer();
    const deadPort = await listen(closed);
    closed.close();
    const url = await plane(`127.0.0.1:${deadPort}`);
    const t0 = Date.now();
    const r = await fetch(url, { method: 'POST', body: 'x' });
    assert.equal(r.status, 503);
    const e = (await r.json()) as { error: { code: string; message: string } };
    assert.equal(e.error.code, 'no-replica');
    assert.match(e.error.message, UNREPORTED);
    assert.ok(Date.now() - t0 < 1500 + 1000);
  });
});
