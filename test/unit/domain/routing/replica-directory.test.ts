import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  hostOf,
  PlannedReplicaDirectory,
  type DeploymentRoute,
} from '../../../../src/domain/routing/replica-directory.js';
import { replicaName } from '../../../../src/domain/replica-spec.js';
import type { ReplicaStatus } from '../../../../src/domain/types.js';
import { app, deployment, doc, pipeline, replica } from './fixtures.js';

const rn = (node: string, module: string, acc = 'cpu', variant = 'default') =>
  replicaName(node, 'syn', module, variant, acc);
const routable = (r: DeploymentRoute) => {
  assert.equal(r.kind, 'routable', JSON.stringify(r));
  return r as Extract<DeploymentRoute, { kind: 'routable' }>;
};

describe('replica directory (pure)', () => {
  const cam = deployment('cam', 'syn', 10);
  const placements = [
    { deployment: 'cam', module: 'decode', node: 'n1', accelerator: 'cpu', fps: 10 },
    { deployment: 'cam', module: 'detect', node: 'n1', accelerator: 'gpu0', fps: 6 },
    { deployment: 'cam', module: 'detect', node: 'n2', accelerator: 'gpu0', variant: 'tiny', fps: 4 },
    { deployment: 'cam', module: 'track', node: 'n2', accelerator: 'cpu', fps: 10 },
    { deployment: 'other', module: 'track', node: 'n1', accelerator: 'cpu', fps: 99 },
  ];
  const members = [
    { id: 'n1', address: '10.0.0.1:7878' },
    { id: 'n2', address: '10.0.0.2:7878' },
  ];

  it("local replicas on loopback, remote ones on the member's host and reported port, weighted by planned fps", () => {
    const replicas = new Map<string, ReplicaStatus[]>([
      [
        'n1',
        [
          replica(rn('n1', 'decode'), 17000),
          replica(rn('n1', 'detect', 'gpu0'), 17001),
          replica(rn('n1', 'track'), 17002),
        ],
      ],
      ['n2', [replica(rn('n2', 'detect', 'gpu0', 'tiny'), 17100), replica(rn('n2', 'track'), 17101)]],
    ]);
    const dir = new PlannedReplicaDirectory({
      self: 'n1',
      doc: doc({ apps: [app(pipeline())], deployments: [cam], placements, members }),
      replicas,
    });
    const r = routable(dir.route('cam'));
    assert.deepEqual(
      r.modules.map((m) => [m.module, m.endpoints.map((e) => `${e.host}:${e.port}*${e.weight}`), m.missing]),
      [
        ['decode', ['127.0.0.1:17000*10'], []],
        ['detect', ['127.0.0.1:17001*6', '10.0.0.2:17100*4'], []],
        ['track', ['10.0.0.2:17101*10'], []],
      ],
    );
    assert.equal(dir.route('cam'), dir.route('cam'), 'computed once per snapshot');
  });

  it("this node's replicas at their sandbox's address when it is known (the fence), its health asked there", () => {
    const replicas = new Map<string, ReplicaStatus[]>([
      ['n1', [replica(rn('n1', 'decode'), 17000), replica(rn('n1', 'detect', 'gpu0'), 17001)]],
      ['n2', [replica(rn('n2', 'detect', 'gpu0', 'tiny'), 17100), replica(rn('n2', 'track'), 17101)]],
    ]);
    const asked: string[] = [];
    const dir = new PlannedReplicaDirectory({
      self: 'n1',
      doc: doc({ apps: [app(pipeline())], deployments: [cam], placements, members }),
      replicas,
      localHost: '172.18.0.2',
      health: (_r, host, port) => {
        asked.push(`${host}:${port}`);
        return 'ready';
      },
    });
    const r = routable(dir.route('cam'));
    assert.deepEqual(
      r.modules.map((m) => m.endpoints.map((e) => `${e.host}:${e.port}`)),
      [['172.18.0.2:17000'], ['172.18.0.2:17001', '10.0.0.2:17100'], ['10.0.0.2:17101']],
    );
    assert.deepEqual(asked.sort(), ['10.0.0.2:17100', '10.0.0.2:17101', '172.18.0.2:17000', '172.18.0.2:17001']);
  });

  it('only running replicas are eligible; the others and unknown ports are named', () => {
    const replicas = new Map<string, ReplicaStatus[]>([
      ['n1', [replica(rn('n1', 'decode'), 17000), replica(rn('n1', 'detect', 'gpu0'), 17001, 'backoff')]],
    ]);
    const dir = new PlannedReplicaDirectory({
      self: 'n1',
      doc: doc({ apps: [app(pipeline())], deployments: [cam], placements, members }),
      replicas,
    });
    const r = routable(dir.route('cam'));
    assert.deepEqual(r.modules[1]!.endpoints, []);
    assert.deepEqual(r.modules[1]!.missing, [
      `replica ${rn('n1', 'detect', 'gpu0')} on n1: backoff`,
      `replica ${rn('n2', 'detect', 'gpu0', 'tiny')}: node n2 has not reported its replicas (port unknown)`,
    ]);
    assert.notEqual(r.modules[0]!.key, r.modules[1]!.key);
  });

  it('sums the fps of placements that share one replica, and names a node that is not a member', () => {
    const p2 = [
      ...placements,
      { deployment: 'cam', module: 'decode', node: 'n1', accelerator: 'cpu', fps: 5 },
      { deployment: 'cam', module: 'track', node: 'n3', accelerator: 'cpu', fps: 1 },
    ];
    const replicas = new Map<string, ReplicaStatus[]>([['n1', [replica(rn('n1', 'decode'), 17000)]]]);
    const r = routable(
      new PlannedReplicaDirectory({
        self: 'n1',
        doc: doc({ apps: [app(pipeline())], deployments: [cam], placements: p2, members }),
        replicas,
      }).route('cam'),
    );
    assert.equal(r.modules[0]!.endpoints[0]!.weight, 15);
    assert.match(r.modules[2]!.missing.join(';'), /node n3 is not a member \(no address\)/);
  });

  it('unknown, rejected and unplaced deployments', () => {
    const d = doc({
      apps: [app(pipeline())],
      deployments: [cam, deployment('big', 'syn', 500), deployment('ghost', 'nope'), deployment('new', 'syn')],
      placements,
      rejected: [{ deployment: 'big', reason: 'does not fit: detect needs 3 GPUs' }],
      members,
    });
    const dir = new PlannedReplicaDirectory({ self: 'n1', doc: d, replicas: new Map() });
    assert.deepEqual(dir.route('nobody'), { kind: 'unknown' });
    assert.equal((dir.route('big') as { reason: string }).reason, 'does not fit: detect needs 3 GPUs');
    assert.equal(dir.route('big').kind, 'rejected');
    assert.equal(dir.route('ghost').kind, 'unplaced');
    assert.match((dir.route('new') as { reason: string }).reason, /not placed yet/);
    const noPlan = new PlannedReplicaDirectory({
      self: 'n1',
      doc: doc({ apps: [], deployments: [cam] }),
      replicas: new Map(),
    });
    assert.match((noPlan.route('cam') as { reason: string }).reason, /no plan/);
  });

  it('host of a member address', () => {
    assert.equal(hostOf('10.1.2.3:7878'), '10.1.2.3');
    assert.equal(hostOf('box-a:7878'), 'box-a');
    assert.equal(hostOf('[fd00::1]:7878'), 'fd00::1');
    assert.equal(hostOf('box-a'), 'box-a');
  });
});
