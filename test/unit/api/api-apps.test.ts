import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pipelineManifest, singleManifest } from '../../support/manifests.js';
import { eventually, startHarness, type Harness } from '../../support/appliance-harness.js';

describe('API: apps', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    h.engine.addImage('rim/pipeline:1', pipelineManifest());
    h.engine.addImage('rim/other:1', pipelineManifest());
    h.engine.addImage('rim/single:1', singleManifest());
    h.engine.addImage('rim/bad:1', {
      ...singleManifest('bad'),
      modules: [{ ...singleManifest().modules[0], privileged: true }],
    });
    h.engine.addImage('rim/mount:1', {
      ...singleManifest('mount'),
      modules: [{ ...singleManifest().modules[0], mounts: ['/etc:/etc'] }],
    });
    h.engine.addImage('rim/nolabel:1', 'x');
    h.engine.images.get('rim/nolabel:1')!.manifestLabel = undefined;
  });
  after(() => h.close());

  it('registers an app from its image label (201), lists it and shows it', async () => {
    const r = await h.call('POST', '/v1/apps', { image: 'rim/pipeline:1' });
    assert.equal(r.status, 201);
    assert.equal(r.body.name, 'pipeline');
    assert.deepEqual(
      r.body.modules.map((m: { name: string }) => m.name),
      ['decode', 'detect', 'track'],
    );
    const list = await h.call('GET', '/v1/apps', undefined, { token: null });
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.map((a: { name: string }) => a.name),
      ['pipeline'],
    );
    const one = await h.call('GET', '/v1/apps/pipeline', undefined, { token: null });
    assert.equal(one.body.manifest.entry, 'decode');
  });

  it('registering the same image again is not an error (200), another image under the same name is (409)', async () => {
    assert.equal((await h.call('POST', '/v1/apps', { image: 'rim/pipeline:1' })).status, 200);
    const clash = await h.call('POST', '/v1/apps', { image: 'rim/other:1' });
    assert.equal(clash.status, 409);
    assert.equal(clash.body.error.code, 'conflict');
    assert.match(clash.body.error.message, /rim\/pipeline:1/);
  });

  it('re-registers an app whose image now has a new digest', async () => {
    h.engine.images.get('rim/pipeline:1')!.digest = 'sha256:newdigest0000';
    const r = await h.call('POST', '/v1/apps', { image: 'rim/pipeline:1' });
    assert.equal(r.status, 200);
    assert.equal(r.body.digest, 'sha256:newdigest0000');
    assert.equal((await h.call('GET', '/v1/apps/pipeline')).body.digest, 'sha256:newdigest0000');
  });

  it('refuses a privileged or host-mount manifest naming the field, and starts nothing', async () => {
    const before = h.engine.calls.filter((c) => c.startsWith('create')).length;
    const priv = await h.call('POST', '/v1/apps', { image: 'rim/bad:1' });
    assert.equal(priv.status, 400);
    assert.equal(priv.body.error.code, 'manifest-forbidden');
    assert.equal(priv.body.error.field, 'modules[0].privileged');
    const mount = await h.call('POST', '/v1/apps', { image: 'rim/mount:1' });
    assert.equal(mount.status, 400);
    assert.match(mount.body.error.message, /modules\[0\]\.mounts/);
    const none = await h.call('POST', '/v1/apps', { image: 'rim/nolabel:1' });
    assert.equal(none.status, 400);
    assert.match(none.body.error.message, /no rim\.manifest label/);
    assert.deepEqual(
      (await h.call('GET', '/v1/apps')).body.map((a: { name: string }) => a.name),
      ['pipeline'],
    );
    assert.equal(h.engine.calls.filter((c) => c.startsWith('create')).length, before);
  });

  it('answers 404 for an unknown image and 400 naming the field for a bad body', async () => {
    const missing = await h.call('POST', '/v1/apps', { image: 'rim/nope:1' });
    assert.equal(missing.status, 404);
    const bad = await h.call('POST', '/v1/apps', { img: 'x' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'image');
    const json = await h.call('POST', '/v1/apps', undefined, { raw: '{"image": ' });
    assert.equal(json.status, 400);
    assert.equal(json.body.error.code, 'invalid-json');
  });

  it('refuses references Docker would refuse (spaces, upper case, non-ASCII): 400 naming image', async () => {
    const inspected = () => h.engine.calls.filter((c) => c.startsWith('inspect')).length;
    const asked = inspected();
    const refs = [
      'bad image ref',
      'Rim/Pipeline:1',
      'rim/pipeline:',
      'rim/pipéline:1',
      '画像/x:1',
      '',
      'x'.repeat(600),
      42,
    ];
    for (const image of refs) {
      const r = await h.call('POST', '/v1/apps', { image });
      assert.equal(r.status, 400, JSON.stringify(image));
      assert.equal(r.body.error.code, 'invalid');
      assert.equal(r.body.error.field, 'image');
      assert.match(r.body.error.message, /^app field image: expected an image reference/);
    }
    assert.equal(inspected(), asked, 'Docker is not asked about a malformed reference');
    const ok = await h.call('POST', '/v1/apps', { image: 'registry.local:5000/rim/nope@sha256:' + 'a'.repeat(64) });
    assert.equal(ok.status, 404, 'a well-formed reference reaches the engine');
  });

  it('answers 404 JSON for unknown routes and unknown apps', async () => {
    const r = await h.call('GET', '/v1/nothing-here');
    assert.equal(r.status, 404);
    assert.equal(r.body.error.code, 'not-found');
    assert.equal((await h.call('GET', '/v1/apps/ghost')).status, 404);
    assert.equal((await h.call('DELETE', '/v1/apps/ghost')).status, 404);
  });

  it('refuses to delete an app in use (409), deletes it once undeployed', async () => {
    assert.equal((await h.call('POST', '/v1/apps', { image: 'rim/single:1' })).status, 201);
    assert.equal(
      (await h.call('POST', '/v1/deployments', { name: 'cam1', app: 'single', fps: 5, latencyMs: 100 })).status,
      201,
    );
    const busy = await h.call('DELETE', '/v1/apps/single');
    assert.equal(busy.status, 409);
    assert.match(busy.body.error.message, /cam1/);
    assert.equal((await h.call('DELETE', '/v1/deployments/cam1')).status, 200);
    assert.equal((await h.call('DELETE', '/v1/apps/single')).status, 200);
    assert.equal((await h.call('GET', '/v1/apps/single')).status, 404);
  });

  it('answers 503 docker-unreachable when the engine is down, and says so in /readyz and /v1/nodes/:id', async () => {
    h.engine.reachable = false;
    try {
      const r = await h.call('POST', '/v1/apps', { image: 'rim/single:1' });
      assert.equal(r.status, 503);
      assert.equal(r.body.error.code, 'docker-unreachable');
      await h.appliance.docker.check();
      const ready = await h.call('GET', '/readyz', undefined, { token: null });
      assert.equal(ready.status, 200);
      assert.equal(ready.body.docker.reachable, false);
      assert.match(ready.body.docker.status, /docker unreachable/);
      const node = await h.call('GET', '/v1/nodes/unit-node');
      assert.match(node.body.docker.status, /docker unreachable/);
      await eventually(() => h.logs.some((l) => /docker unreachable/.test(l)), 'a log line');
    } finally {
      h.engine.reachable = true;
      await h.appliance.docker.check();
    }
  });
});
