/**
 * /metrics is valid, lint-clean Prometheus text (Debian's `promtool check
 * metrics`), with the cluster, plan, utilisation, profile and SLO families.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { ApiMetrics } from '../../../src/api/metrics.js';
import { pipelineManifest } from '../../support/manifests.js';
import { startHarness, type Harness } from '../../support/appliance-harness.js';

const promtool = spawnSync('promtool', ['--version']).status === 0;

describe('/metrics', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    h.engine.addImage('rim/pipeline:1', pipelineManifest());
    assert.equal((await h.call('POST', '/v1/apps', { image: 'rim/pipeline:1' })).status, 201);
    assert.equal((await h.call('POST', '/v1/deployments', { name: 'cam1', app: 'pipeline' })).status, 201);
    // A frame through the router (its replicas do not answer here): the router's families appear too.
    await fetch(`${h.url}/v1/deployments/cam1/frames`, { method: 'POST', body: Buffer.from('frame') });
  });
  after(() => h.close());

  it('has the cluster, plan, utilisation, profile and per-deployment SLO families', async () => {
    const text = await (await fetch(`${h.url}/metrics`)).text();
    assert.match(text, /rim_cluster_term\{node="unit-node"\} 1/);
    assert.match(text, /rim_cluster_is_leader\{node="unit-node"\} 1/);
    assert.match(text, /rim_cluster_leader\{node="unit-node",leader="unit-node"\} 1/);
    assert.match(text, /# TYPE rim_plan_utilisation_ratio gauge/);
    assert.match(text, /rim_accelerator_utilisation_ratio\{node="unit-node",accelerator="cpu",source="cpu-share"\}/);
    assert.match(text, /rim_profiles\{state="ok"\} \d+/);
    assert.match(text, /rim_deployment_target_fps\{deployment="cam1"\} 10/);
    assert.match(text, /rim_deployment_latency_target_seconds\{deployment="cam1"\} 0.5/);
    assert.match(text, /rim_deployment_input_fps\{deployment="cam1"\} [\d.]+/);
    // Its one frame found no replica answering (see before): the SLO is violated, 0 (not idle NaN, not met 1).
    assert.match(text, /rim_deployment_slo_met\{deployment="cam1"\} 0\n/);
    assert.match(text, /# TYPE rim_router_frame_latency_seconds histogram/);
    assert.match(text, /process_resident_memory_bytes \d+/);
  });

  it('labels the plan utilisation by node and accelerator', async () => {
    const m = new ApiMetrics();
    const text = await m.render({
      nodeId: 'n1',
      replicas: [],
      dockerReachable: true,
      apps: 0,
      deployments: [],
      rejected: 0,
      storeVersion: 1,
      leader: 'n2',
      term: 7,
      // Two boxes with an emu0 each, and a key without its node (a plan stored before this keying).
      planUtilisation: { 'n1/cpu': 0.5, 'n1/emu0': 0.25, 'n2/emu0': 0.75, emu0: 0.1 },
      measuredUtilisation: {},
      profiles: [],
    });
    assert.match(text, /rim_plan_utilisation_ratio\{node="n1",accelerator="cpu"\} 0.5/);
    assert.match(text, /rim_plan_utilisation_ratio\{node="n1",accelerator="emu0"\} 0.25/);
    assert.match(text, /rim_plan_utilisation_ratio\{node="n2",accelerator="emu0"\} 0.75/);
    assert.doesNotMatch(text, /rim_plan_utilisation_ratio\{node="",/);
    assert.match(text, /rim_cluster_is_leader\{node="n1"\} 0/);
    assert.match(text, /rim_cluster_term\{node="n1"\} 7/);
  });

  it(
    'passes promtool check metrics',
    { skip: !promtool && 'promtool is not installed (Debian package prometheus)' },
    async () => {
      const text = await (await fetch(`${h.url}/metrics`)).text();
      const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
      assert.equal(`${r.stdout}${r.stderr}`.trim(), '', 'no lint findings');
    },
  );
});
