import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pipelineManifest, singleManifest } from '../../support/manifests.js';
import { eventually, startHarness, type Harness } from '../../support/appliance-harness.js';

describe('API: deployments, plan, nodes, metrics, events', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    h.engine.addImage('rim/pipeline:1', pipelineManifest());
    h.engine.addImage('rim/single:1', singleManifest());
    assert.equal((await h.call('POST', '/v1/apps', { image: 'rim/pipeline:1' })).status, 201);
    assert.equal((await h.call('POST', '/v1/apps', { image: 'rim/single:1' })).status, 201);
  });
  after(() => h.close());

  it('validates the body, naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ app: 'pipeline' }, 'name'],
      [{ name: 'Bad Name', app: 'pipeline' }, 'name'],
      [{ name: 'cam', app: 'pipeline', fps: -1 }, 'fps'],
      // Finite floors: 5e-324 fps was admitted and answered with `retry-after: Infinity`.
      [{ name: 'cam', app: 'pipeline', fps: 5e-324 }, 'fps'],
      [{ name: 'cam', app: 'pipeline', fps: 0.09 }, 'fps'],
      [{ name: 'cam', app: 'pipeline', fps: 1001 }, 'fps'],
      [{ name: 'cam', app: 'pipeline', latencyMs: 5e-324 }, 'latencyMs'],
      [{ name: 'cam', app: 'pipeline', latencyMs: 0.5 }, 'latencyMs'],
      [{ name: 'cam', app: 'pipeline', latencyMs: 600_001 }, 'latencyMs'],
      [{ name: 'cam', app: 'pipeline', latencyMs: 'fast' }, 'latencyMs'],
      [{ name: 'cam', app: 'pipeline', priority: 1.5 }, 'priority'],
      [{ name: 'cam', app: 'pipeline', colour: 'red' }, 'colour'],
      [{ name: 'cam', app: 'single' }, 'fps'], // no fps given and the manifest has no default
      [{ name: 'cam', app: 'pipeline', fps: 'fast' }, 'fps'],
      [{ name: 'cam', app: 'pipeline', fps: 'auto' }, 'maxFps'], // auto needs its ceiling
      [{ name: 'cam', app: 'pipeline', fps: 'auto', maxFps: 1001 }, 'maxFps'],
      [{ name: 'cam', app: 'pipeline', fps: 'auto', maxFps: 0 }, 'maxFps'],
      [{ name: 'cam', app: 'pipeline', fps: 5, maxFps: 20 }, 'maxFps'], // a ceiling only with auto
    ];
    for (const [body, field] of cases) {
      const r = await h.call('POST', '/v1/deployments', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error.field, field, JSON.stringify(r.body));
    }
    assert.equal(
      (await h.call('POST', '/v1/deployments', { name: 'cam', app: 'ghost', fps: 1, latencyMs: 1 })).status,
      404,
    );
    assert.deepEqual((await h.call('GET', '/v1/deployments')).body, []);
  });

  it('adds a deployment with the manifest defaults, plans it and runs its replicas', async () => {
    const r = await h.call('POST', '/v1/deployments', { name: 'cam1', app: 'pipeline' });
    assert.equal(r.status, 201);
    assert.equal(r.body.fps, 10);
    assert.equal(r.body.latencyMs, 500);
    assert.equal(r.body.priority, 0);
    assert.equal(r.body.state, 'admitted');
    assert.deepEqual(
      r.body.placement.map((p: { module: string; accelerator: string }) => `${p.module}@${p.accelerator}`),
      ['decode@cpu', 'detect@emu0', 'track@cpu'],
    );
    assert.deepEqual(r.body.measured, {
      fps: null,
      inputFps: null,
      latencyMs: { p50: null, p95: null, p99: null },
      slo: null,
    });

    const plan = (await h.call('GET', '/v1/plan')).body;
    assert.equal(plan.placements.length, 3);
    assert.deepEqual(plan.rejected, []);

    await eventually(() => h.engine.running().length === 3, 'three running replicas');
    const node = await eventually(async () => {
      const n = (await h.call('GET', '/v1/nodes/unit-node')).body;
      return n.replicas.length === 3 && n.replicas.every((x: { state: string }) => x.state === 'running')
        ? n
        : undefined;
    }, 'replicas reported running');
    assert.deepEqual(node.replicas.map((x: { module: string }) => x.module).sort(), ['decode', 'detect', 'track']);
    const ports = node.replicas.map((x: { port: number }) => x.port);
    assert.ok(
      ports.every((p: number) => p >= 17000 && p <= 17999),
      String(ports),
    );
    assert.equal(new Set(ports).size, 3);
    assert.equal(node.accelerators[0].emulated, true);
  });

  it('an auto rate starts at its maxFps, keeps maxFps stored, and re-adding it is a no-op', async () => {
    const body = { name: 'auto-cam', app: 'pipeline', fps: 'auto', maxFps: 4 };
    const r = await h.call('POST', '/v1/deployments', body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.fps, 4);
    assert.equal(r.body.maxFps, 4);
    assert.equal((await h.call('POST', '/v1/deployments', body)).status, 200);
    assert.equal((await h.call('POST', '/v1/deployments', { ...body, maxFps: 5 })).status, 409);
    // A box alone: the load watch's new allocation is stored and planned, with its reason.
    await h.appliance.control.reallocate(new Map([['auto-cam', 2]]), 'load: auto-cam test');
    const now = (await h.call('GET', '/v1/deployments/auto-cam')).body;
    assert.equal(now.fps, 2);
    assert.ok(
      now.placement.every((p: { fps: number }) => p.fps === 2),
      JSON.stringify(now.placement),
    );
    assert.equal((await h.call('GET', '/v1/plan')).body.reason, 'load: auto-cam test');
    assert.equal((await h.call('POST', '/v1/deployments', body)).status, 200, 'the same auto deployment still');
    assert.equal((await h.call('DELETE', '/v1/deployments/auto-cam')).status, 200);
  });

  it('shares replicas between deployments of one app, and re-adding the same deployment is a no-op', async () => {
    assert.equal(
      (await h.call('POST', '/v1/deployments', { name: 'cam2', app: 'pipeline', fps: 5, latencyMs: 300, priority: 2 }))
        .status,
      201,
    );
    assert.equal(
      (await h.call('POST', '/v1/deployments', { name: 'cam2', app: 'pipeline', fps: 5, latencyMs: 300, priority: 2 }))
        .status,
      200,
    );
    assert.equal(
      (await h.call('POST', '/v1/deployments', { name: 'cam2', app: 'pipeline', fps: 6, latencyMs: 300 })).status,
      409,
    );
    const d = (await h.call('GET', '/v1/deployments/cam2')).body;
    assert.equal(d.priority, 2);
    assert.equal(d.placement.length, 3);
    // The POSTs above replanned and handed the supervisor its assignment: one round under it starts nothing new.
    await h.appliance.supervisor.reconcileNow();
    assert.equal(h.engine.running().length, 3);
    assert.equal(h.engine.calls.filter((c) => c.startsWith('create ')).length, 3, 'no replica was created for cam2');
  });

  it('lists the cluster with this node as leader and member', async () => {
    const c = (await h.call('GET', '/v1/cluster', undefined, { token: null })).body;
    assert.equal(c.name, 'rim');
    assert.equal(c.leader, 'unit-node');
    assert.equal(c.members.length, 1);
    assert.equal(c.members[0].state, 'alive');
    const nodes = (await h.call('GET', '/v1/nodes')).body;
    assert.equal(nodes[0].id, 'unit-node');
    assert.equal((await h.call('GET', '/v1/nodes/other')).status, 404);
  });

  it('serves Prometheus metrics', async () => {
    const res = await fetch(`${h.url}/metrics`);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const text = await res.text();
    assert.match(text, /rim_replicas\{node="unit-node",state="running"\} 3/);
    assert.match(text, /rim_docker_reachable\{node="unit-node"\} 1/);
    assert.match(text, /rim_deployments 2/);
    assert.match(text, /rim_api_requests_total\{method="POST",route="\/v1\/deployments",status="201"\} \d+/);
  });

  it('streams events: deployment and plan changes', async () => {
    const ac = new AbortController();
    const res = await fetch(`${h.url}/v1/events`, { signal: ac.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    let text = '';
    const read = (async () => {
      const dec = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        text += dec.decode(value);
      }
    })();
    await eventually(() => text.includes(': rim events'), 'the stream preamble');
    assert.equal((await h.call('DELETE', '/v1/deployments/cam2')).status, 200);
    await eventually(
      () => /event: deployment\ndata: .*"action":"removed".*"cam2"/.test(text) && /event: plan\n/.test(text),
      'deployment + plan events',
    );
    assert.equal(
      (await h.call('POST', '/v1/deployments', { name: 'job1', app: 'single', fps: 1, latencyMs: 1000 })).status,
      201,
    );
    await eventually(() => /event: replica\ndata: .*"kind":"start"/.test(text), 'a replica start step event');
    await eventually(
      () => /event: replica\ndata: .*"action":"state".*"module":"work".*"state":"running"/.test(text),
      'a replica state event',
    );
    assert.equal((await h.call('DELETE', '/v1/deployments/job1')).status, 200);
    ac.abort();
    await read;
  });

  it('removes the replicas once no deployment needs them', async () => {
    assert.equal((await h.call('DELETE', '/v1/deployments/cam1')).status, 200);
    await eventually(() => h.engine.containers.size === 0, 'containers removed');
    assert.equal((await h.call('GET', '/v1/deployments/cam1')).status, 404);
    assert.deepEqual((await h.call('GET', '/v1/plan')).body.placements, []);
  });
});
