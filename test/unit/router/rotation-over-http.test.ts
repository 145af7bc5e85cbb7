/**
 * Rotation in the data plane over real loopback HTTP: a replica gets no
 * frame before its /healthz answers 200 and gets frames soon after; a
 * replica on a suspect member gets none (the member's state, not a re-plan,
 * takes it out); a replica whose port refuses connections leaves rotation
 * and the frame is retried on another replica of the module.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import type { PeerCaller } from '../../../src/cluster/peer-client.js';
import { replicaName } from '../../../src/domain/replica-spec.js';
import type { ClusterDocument, ReplicaStatus } from '../../../src/domain/types.js';
import { createDataPlane, type DataPlane } from '../../../src/router/data-plane.js';
import { directHop } from './direct-hop.js';
import { app, deployment, doc, manifest, mod, replica } from '../domain/routing/fixtures.js';

interface Module {
  port: number;
  healthy: boolean;
  frames: number;
  server: http.Server;
}

async function moduleServer(healthy: boolean): Promise<Module> {
  const m: Module = { port: 0, healthy, frames: 0, server: http.createServer() };
  m.server.on('request', (req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/healthz') {
        res.writeHead(m.healthy ? 200 : 503);
        res.end();
        return;
      }
      m.frames++;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`out:${m.port}`);
    });
  });
  await new Promise<void>((r) => m.server.listen(0, '127.0.0.1', r));
  m.port = (m.server.address() as AddressInfo).port;
  return m;
}

const one = () => app(manifest('one', 'only', [mod('only', [])]));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('rotation over real HTTP', { timeout: 30_000 }, () => {
  const closers: (() => void)[] = [];
  after(() => {
    for (const c of closers) c();
  });

  const serve = async (cluster: ClusterDocument, local: ReplicaStatus[], peers?: PeerCaller) => {
    // The data plane reads time only through `now`: a test moves it past the directory's refresh instead of sleeping.
    let skew = 0;
    const dp: DataPlane = createDataPlane({
      nodeId: 'n1',
      store: { read: () => cluster },
      supervisor: { replicas: () => local },
      adminToken: 'x'.repeat(16),
      openFrames: true,
      logger: pino({ level: 'silent' }),
      now: () => Date.now() + skew,
      peers,
      hop: directHop,
      probe: { notReadyEveryMs: 50, readyEveryMs: 200 },
    });
    const s = http.createServer((req, res) => {
      if (!dp.intercept(req, res)) {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    closers.push(() => {
      dp.close();
      s.closeAllConnections();
      s.close();
    });
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/v1/deployments/cam/frames`;
    const send = async () => {
      const r = await fetch(url, { method: 'POST', body: 'f' });
      return { status: r.status, text: await r.text() };
    };
    /** Past the directory's refresh: its snapshot is at most 500 ms old. */
    const pastRefresh = () => {
      skew += 600;
    };
    return Object.assign(send, { pastRefresh });
  };
  const track = (m: Module) =>
    closers.push(() => {
      m.server.closeAllConnections();
      m.server.close();
    });

  it('no frame reaches a replica before its /healthz answers; frames flow soon after', async () => {
    const m = await moduleServer(false);
    track(m);
    const cluster = doc({
      apps: [one()],
      deployments: [deployment('cam', 'one', 1000, 2000)],
      placements: [{ deployment: 'cam', module: 'only', node: 'n1', accelerator: 'cpu', fps: 1000 }],
    });
    const send = await serve(cluster, [replica(replicaName('n1', 'one', 'only', 'default', 'cpu'), m.port)]);
    for (let i = 0; i < 5; i++) {
      const r = await send();
      assert.equal(r.status, 503);
      // The first frame waits for the first probe's answer, so every refusal names the failed /healthz.
      assert.deepEqual(JSON.parse(r.text), {
        error: {
          code: 'no-replica',
          message:
            'no replica of module only can take frames of "cam": ' +
            'replica rim-n1-one-only-default-cpu on n1: /healthz does not answer 200 (not ready)',
        },
      });
      await sleep(20);
    }
    assert.equal(m.frames, 0, 'not one frame before /healthz answered');
    m.healthy = true;
    const t0 = Date.now();
    let r = await send();
    while (r.status !== 200 && Date.now() - t0 < 2000) {
      await sleep(20);
      r = await send();
    }
    assert.equal(r.status, 200, r.text);
    assert.ok(Date.now() - t0 < 1000, `in rotation within a probe period or so (${Date.now() - t0} ms)`);
  });

  it("a suspect member's replicas get no frame, though they answer and no re-plan happened", async () => {
    const m = await moduleServer(true);
    track(m);
    const cluster = doc({
      apps: [one()],
      deployments: [deployment('cam', 'one', 1000, 2000)],
      placements: [{ deployment: 'cam', module: 'only', node: 'n2', accelerator: 'cpu', fps: 1000 }],
      members: [{ id: 'n2', address: '127.0.0.1:1' }],
    });
    const name = replicaName('n2', 'one', 'only', 'default', 'cpu');
    const peers: PeerCaller = {
      call: async <T>() => ({
        status: 200,
        nodeId: 'n2',
        // The same body answers the list and the replica's health through n2's peer API (`ok`).
        body: { replicas: [replica(name, m.port)], arrivals: {}, ok: true } as T,
      }),
    };
    const send = await serve(cluster, [], peers);
    // The first frame waits for n2's list and the replica's first probe (they arrive in the background).
    const first = await send();
    assert.equal(first.status, 200, first.text);
    const before = m.frames;
    cluster.members[0]!.state = 'suspect';
    cluster.version++;
    send.pastRefresh();
    const r = await send();
    assert.equal(r.status, 503);
    assert.match(r.text, /node n2 is suspect/);
    assert.equal(m.frames, before, 'no frame after the member turned suspect');
  });

  it('a replica whose port refuses connections: the frame goes to another replica, the lost one leaves', async () => {
    const good = await moduleServer(true);
    const lost = await moduleServer(true);
    track(good);
    const cluster = doc({
      apps: [one()],
      deployments: [deployment('cam', 'one', 1000, 2000)],
      placements: [
        { deployment: 'cam', module: 'only', node: 'n1', accelerator: 'cpu', fps: 500 },
        { deployment: 'cam', module: 'only', node: 'n1', accelerator: 'emu1', fps: 500 },
      ],
    });
    const local = [
      replica(replicaName('n1', 'one', 'only', 'default', 'cpu'), good.port),
      replica(replicaName('n1', 'one', 'only', 'default', 'emu1'), lost.port),
    ];
    const send = await serve(cluster, local);
    for (let i = 0; i < 4; i++) assert.equal((await send()).status, 200);
    assert.ok(lost.frames > 0 && good.frames > 0, 'both in rotation');
    lost.server.closeAllConnections();
    await new Promise<void>((r) => lost.server.close(() => r()));
    const goodBefore = good.frames;
    for (let i = 0; i < 6; i++) {
      const r = await send();
      assert.equal(r.status, 200, `frame ${i} retried on the good replica: ${r.text}`);
      assert.equal(r.text, `out:${good.port}`);
    }
    assert.equal(good.frames - goodBefore, 6);
  });
});
