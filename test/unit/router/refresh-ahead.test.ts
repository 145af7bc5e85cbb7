/**
 * The data plane's periodic snapshot rebuild (a copy of the cluster
 * document) runs after a frame's answer, not in the admission of the next
 * frame: under steady traffic no frame but the first reads the document on
 * its path (live-directory.ts, refresh ahead).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import pino from 'pino';
import { replicaName } from '../../../src/domain/replica-spec.js';
import { createDataPlane } from '../../../src/router/data-plane.js';
import { app, deployment, doc, manifest, mod, replica } from '../domain/routing/fixtures.js';

const closers: (() => void)[] = [];
after(() => {
  for (const c of closers) c();
});

const listen = async (s: http.Server) => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  closers.push(() => {
    s.closeAllConnections();
    s.close();
  });
  return (s.address() as AddressInfo).port;
};

test('steady frames: the document is read after answers, never in a later frame’s admission', async () => {
  const port = await listen(
    http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    }),
  );
  const cluster = doc({
    apps: [app(manifest('one', 'only', [mod('only', [])]))],
    deployments: [deployment('cam', 'one', 1000, 2000)],
    placements: [{ deployment: 'cam', module: 'only', node: 'n1', accelerator: 'cpu', fps: 1000 }],
  });
  // The data plane reads time only through `now`: each frame moves it 20 ms on (50 fps) instead of sleeping.
  let clock = 0;
  let inAdmission = false;
  let readsInAdmission = 0;
  let reads = 0;
  const dp = createDataPlane({
    nodeId: 'n1',
    store: {
      read: () => {
        reads++;
        if (inAdmission) readsInAdmission++;
        return cluster;
      },
    },
    supervisor: { replicas: () => [replica(replicaName('n1', 'one', 'only', 'default', 'cpu'), port)] },
    adminToken: 'x'.repeat(16),
    openFrames: true,
    logger: pino({ level: 'silent' }),
    now: () => clock,
    probe: false,
  });
  closers.push(() => dp.close());
  const own = await listen(
    http.createServer((req, res) => {
      // Admission (the route, the snapshot) runs synchronously in intercept, before the frame's bytes are read.
      inAdmission = true;
      const frame = dp.intercept(req, res);
      inAdmission = false;
      if (!frame) res.writeHead(404).end();
    }),
  );
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  closers.push(() => agent.destroy());
  const send = () =>
    new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: own, path: '/v1/deployments/cam/frames', method: 'POST', agent },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end('f');
    });
  for (let i = 0; i < 150; i++) {
    assert.equal(await send(), 200);
    clock += 20;
  }
  assert.equal(readsInAdmission, 1, 'only the first frame builds the snapshot on its path');
  assert.ok(reads >= 150 / 25, `the snapshot is still refreshed (${reads} reads over 3 s of the clock)`);
});
