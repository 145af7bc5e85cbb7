import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pipelineManifest, singleManifest } from '../../support/manifests.js';
import { startHarness } from '../../support/appliance-harness.js';

describe('API: a deployment the plan cannot place', () => {
  it('is stored, shown as rejected with the reason, and starts nothing; others still run', async () => {
    const h = await startHarness({ accelerators: { emulate: [] } });
    try {
      h.engine.addImage('rim/pipeline:1', pipelineManifest());
      h.engine.addImage('rim/single:1', singleManifest());
      await h.call('POST', '/v1/apps', { image: 'rim/pipeline:1' });
      await h.call('POST', '/v1/apps', { image: 'rim/single:1' });
      const r = await h.call('POST', '/v1/deployments', { name: 'cam1', app: 'pipeline' });
      assert.equal(r.status, 201);
      assert.equal(r.body.state, 'rejected');
      assert.match(r.body.reason, /needs a GPU/);
      assert.deepEqual(r.body.rejected, { reason: r.body.reason }, 'the answer says rejected, with the reason');
      assert.deepEqual(r.body.placement, []);
      const job = await h.call('POST', '/v1/deployments', { name: 'job', app: 'single', fps: 1, latencyMs: 100 });
      assert.equal(job.body.state, 'admitted');
      assert.equal(job.body.rejected, undefined);
      const plan = (await h.call('GET', '/v1/plan')).body;
      assert.deepEqual(
        plan.rejected.map((x: { deployment: string }) => x.deployment),
        ['cam1'],
      );
      const metrics = await (await fetch(`${h.url}/metrics`)).text();
      assert.match(metrics, /rim_deployments_rejected 1/);
      assert.ok(
        h.engine.calls.every((c) => !/^create rim-.*pipeline/.test(c)),
        'no pipeline container',
      );
    } finally {
      await h.close();
    }
  });
});
