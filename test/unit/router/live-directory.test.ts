/**
 * The router's live directory sends frames for this node's replicas to the
 * address its supervisor learnt (their sandbox's: the fence), and follows it
 * when the sandbox is created anew.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeploymentRoute } from '../../../src/domain/routing/replica-directory.js';
import { replicaName } from '../../../src/domain/replica-spec.js';
import { LiveReplicaDirectory } from '../../../src/router/live-directory.js';
import { app, deployment, doc, manifest, mod, replica } from '../domain/routing/fixtures.js';

const hosts = (r: DeploymentRoute) => {
  assert.equal(r.kind, 'routable', JSON.stringify(r));
  return (r as Extract<DeploymentRoute, { kind: 'routable' }>).modules.map((m) =>
    m.endpoints.map((e) => `${e.host}:${e.port}`),
  );
};

test("this node's replicas at the address the supervisor learnt, followed when it changes", () => {
  const cluster = doc({
    apps: [app(manifest('one', 'only', [mod('only', [])]))],
    deployments: [deployment('cam', 'one', 10)],
    placements: [{ deployment: 'cam', module: 'only', node: 'n1', accelerator: 'cpu', fps: 10 }],
    members: [],
  });
  let address = '172.18.0.2';
  const dir = new LiveReplicaDirectory({
    self: 'n1',
    store: { read: () => cluster },
    local: {
      replicas: () => [replica(replicaName('n1', 'one', 'only', 'default', 'cpu'), 17000)],
      replicaHost: () => address,
    },
  });
  assert.deepEqual(hosts(dir.route('cam', 0)), [['172.18.0.2:17000']]);
  address = '172.18.0.3';
  assert.deepEqual(hosts(dir.route('cam', 10_000)), [['172.18.0.3:17000']], 'a sandbox created anew');
  const fake = new LiveReplicaDirectory({
    self: 'n1',
    store: { read: () => cluster },
    local: { replicas: () => [replica(replicaName('n1', 'one', 'only', 'default', 'cpu'), 17000)] },
  });
  assert.deepEqual(hosts(fake.route('cam', 0)), [['127.0.0.1:17000']], 'without a supervisor that knows: loopback');
});

test('refresh ahead: after an answer the snapshot is rebuilt off the frame path; frames never wait', async () => {
  const cluster = doc({
    apps: [app(manifest('one', 'only', [mod('only', [])]))],
    deployments: [deployment('cam', 'one', 10)],
    placements: [{ deployment: 'cam', module: 'only', node: 'n1', accelerator: 'cpu', fps: 10 }],
    members: [],
  });
  let reads = 0;
  let t = 0;
  const dir = new LiveReplicaDirectory({
    self: 'n1',
    store: {
      read: () => {
        reads++;
        return cluster;
      },
    },
    local: { replicas: () => [replica(replicaName('n1', 'one', 'only', 'default', 'cpu'), 17000)] },
    refreshMs: 500,
  });
  const immediate = () => new Promise((r) => setImmediate(r));
  // Steady traffic, a frame every 20 ms of the directory's clock for 5 s: route (admission), then the answer.
  let onPath = 0;
  for (t = 0; t <= 5000; t += 20) {
    const before = reads;
    hosts(dir.route('cam', t));
    onPath += reads - before;
    dir.refreshAhead(() => t);
    await immediate();
  }
  assert.equal(onPath, 1, 'only the first frame builds the snapshot in its admission');
  assert.ok(reads >= 5000 / 500, `the snapshot is still refreshed at least every 500 ms (${reads} reads in 5 s)`);
  // Many answers in one turn: one rebuild.
  t += 450;
  const r0 = reads;
  for (let i = 0; i < 5; i++) dir.refreshAhead(() => t);
  await immediate();
  assert.equal(reads - r0, 1);
  // Not yet old enough: nothing.
  t += 100;
  dir.refreshAhead(() => t);
  await immediate();
  assert.equal(reads - r0, 1);
  // route() alone still never serves a snapshot older than refreshMs.
  t += 600;
  hosts(dir.route('cam', t));
  assert.equal(reads - r0, 2);
});
