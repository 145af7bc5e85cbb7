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
