/**
 * Replicas on other members, over real loopback HTTP: the router learns
 * their ports from the member's own GET /v1/nodes/<id>; the first frame
 * waits for that first answer (within its deadline), and a member that does
 * not answer gives a 503 naming the replica, never a hang.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { replicaName } from '../../../src/domain/replica-spec.js';
import { createDataPlane, type DataPlane } from '../../../src/router/data-plane.js';
import { app, deployment, doc, manifest, mod, replica } from '../domain/routing/fixtures.js';

const listen = async (s: http.Server) => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
};

describe('replicas on other members', () => {
  const servers: http.Server[] = [];
  const planes: DataPlane[] = [];
  let modulePort = 0;
  let memberPort = 0;
  let asked = 0;

  before(async () => {
    const m = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('remote-out');
      });
    });
    modulePort = await listen(m);
    const member = http.createServer((req, res) => {
      asked++;
      // A member that takes a moment to answer.
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: 'n2',
            replicas: [replica(replicaName('n2', 'one', 'only', 'default', 'cpu'), modulePort)],
          }),
        );
      }, 150);
    });
    memberPort = await listen(member);
    servers.push(m, member);
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
      adminToken: 'x'.repeat(16),
      openFrames: true,
      logger: pino({ level: 'silent' }),
      now: Date.now,
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

  it("the first frame waits for the member's first answer and goes to the port it reports", async () => {
    const url = await plane(`127.0.0.1:${memberPort}`);
    const r = await fetch(url, { method: 'POST', body: 'x' });
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'remote-out');
    assert.equal(asked, 1);
    const again = await fetch(url, { method: 'POST', body: 'y' });
    assert.equal(again.status, 200);
    assert.equal(asked, 1, 'the list is kept for a while, not asked per frame');
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
    assert.match(
      e.error.message,
      /rim-n2-one-only-default-cpu: node n2 has not reported its replicas \(port unknown\)/,
    );
    assert.ok(Date.now() - t0 < 1500 + 1000);
  });
});
