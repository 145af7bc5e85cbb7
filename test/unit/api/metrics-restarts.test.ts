/**
 * A replica restart shows in /metrics as it shows in `rim status`: the
 * gauge rim_replica_restarts (the restarts the status shows now) and the
 * counter rim_replica_restarts_total, which never goes down when the
 * supervisor's book forgets or resets a replica's restarts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiMetrics, type ScrapeState } from '../../../src/api/metrics.js';
import type { ReplicaStatus } from '../../../src/domain/types.js';
import { pipelineManifest } from '../../support/manifests.js';
import { eventually, startHarness, type Harness } from '../../support/appliance-harness.js';

interface NodeView {
  replicas: ReplicaStatus[];
}

const sample = (text: string, name: string) => {
  const m = new RegExp(`^${name}\\{node="[^"]+"\\} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
};

describe('replica restarts in /metrics', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    h.engine.addImage('rim/pipeline:1', pipelineManifest());
    assert.equal((await h.call('POST', '/v1/apps', { image: 'rim/pipeline:1' })).status, 201);
    assert.equal((await h.call('POST', '/v1/deployments', { name: 'cam1', app: 'pipeline' })).status, 201);
  });
  after(() => h.close());

  it('counts a restart the status shows, in the gauge and the counter', async () => {
    const node = async () => (await (await fetch(`${h.url}/v1/nodes/unit-node`)).json()) as NodeView;
    const running = await eventually(async () => {
      const r = (await node()).replicas;
      assert.ok(r.length > 0 && r.every((x) => x.state === 'running'), JSON.stringify(r));
      return r;
    }, 'replicas running');
    const before = await (await fetch(`${h.url}/metrics`)).text();
    assert.equal(sample(before, 'rim_replica_restarts_total'), 0);
    // Kill a running replica until the status shows a restart (a re-plan just after the deployment may
    // replace a container, and with it the restart the supervisor counted).
    h.engine.kill(running[0]!.containerId!);
    const shown = await eventually(async () => {
      const r = (await node()).replicas;
      const n = r.reduce((sum, x) => sum + x.restarts, 0);
      if (n === 0 && r[0]?.state === 'running') h.engine.kill(r[0].containerId!);
      assert.ok(n > 0 && r.every((x) => x.state === 'running'), JSON.stringify(r));
      return n;
    }, 'the status shows the restart');
    const text = await (await fetch(`${h.url}/metrics`)).text();
    assert.equal(sample(text, 'rim_replica_restarts'), shown);
    assert.ok(sample(text, 'rim_replica_restarts_total')! >= shown);
    assert.match(text, /# TYPE rim_replica_restarts_total counter/);
  });
});

describe('rim_replica_restarts_total', () => {
  const state = (restarts: number, restartsTotal?: number): ScrapeState => ({
    nodeId: 'n1',
    replicas: [
      { name: 'r1', app: 'a', module: 'm', variant: 'v', port: 1, accelerator: 'cpu', state: 'running', restarts },
    ],
    ...(restartsTotal === undefined ? {} : { restartsTotal }),
    dockerReachable: true,
    apps: 0,
    deployments: [],
    rejected: 0,
    storeVersion: 1,
    leader: 'n1',
    term: 1,
    planUtilisation: {},
    measuredUtilisation: {},
    profiles: [],
  });

  it("follows the supervisor's total and never goes down when the status resets", async () => {
    const m = new ApiMetrics();
    assert.equal(sample(await m.render(state(2, 2)), 'rim_replica_restarts_total'), 2);
    // A healthy minute later the status shows 0 again; the counter keeps what happened.
    const reset = await m.render(state(0, 2));
    assert.equal(sample(reset, 'rim_replica_restarts'), 0);
    assert.equal(sample(reset, 'rim_replica_restarts_total'), 2);
    assert.equal(sample(await m.render(state(1, 3)), 'rim_replica_restarts_total'), 3);
  });

  it("without the supervisor's total, counts what the status shows", async () => {
    const m = new ApiMetrics();
    assert.equal(sample(await m.render(state(1)), 'rim_replica_restarts_total'), 1);
    assert.equal(sample(await m.render(state(0)), 'rim_replica_restarts_total'), 1);
  });
});
