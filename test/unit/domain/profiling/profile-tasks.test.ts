import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifest } from '../../../../src/domain/manifest.js';
import { dueProfiles, profileTargets } from '../../../../src/domain/profiling/profile-tasks.js';
import { failedProfile } from '../../../../src/domain/profiling/profile-result.js';
import { placementProfiles, profileIdentity, upsertProfile } from '../../../../src/domain/profiling/profile-key.js';
import type { RegisteredApp, StoredProfile } from '../../../../src/domain/types.js';

const app: RegisteredApp = {
  name: 'synth',
  image: 'rim/sample-synthetic:latest',
  digest: 'sha256:aaa',
  registeredAt: 0,
  manifest: parseManifest({
    apiVersion: 'rim/v1',
    name: 'synth',
    entry: 'decode',
    modules: [
      { name: 'decode', accelerator: 'cpu', next: ['detect'] },
      { name: 'detect', accelerator: 'gpu', next: ['track'], variants: [{ name: 'tiny', env: { COST_MS: '10' } }] },
      { name: 'track', image: 'rim/tracker:1', accelerator: 'cpu', next: [] },
    ],
  }),
};

const ok = (
  t: { app: string; module: string; variant?: string; accelerator: string; digest: string },
  measuredAt = 0,
): StoredProfile => ({
  ...t,
  maxFps: 10,
  latencyMs: 20,
  cpuCores: 1,
  memoryMB: 50,
  state: 'ok',
  measuredAt,
});

test('targets: each module variant on each model it can run on, in DAG order, then the whole app per GPU model', () => {
  const ts = profileTargets({
    apps: [app],
    models: ['emu-fast', 'emu-slow', 'cpu', 'emu-fast'],
    imageDigests: { 'rim/tracker:1': 'sha256:bbb' },
  });
  assert.deepEqual(ts.map(profileIdentity), [
    'synth/decode/default@cpu',
    'synth/detect/default@emu-fast',
    'synth/detect/default@emu-slow',
    'synth/detect/tiny@emu-fast',
    'synth/detect/tiny@emu-slow',
    'synth/track/default@cpu',
    'synth/*/default@emu-fast',
    'synth/*/default@emu-slow',
  ]);
  assert.equal(ts.find((t) => t.module === 'track')!.digest, 'sha256:bbb');
  assert.equal(ts.find((t) => t.module === 'decode')!.digest, 'sha256:aaa');
  assert.equal(ts.find((t) => t.variant === 'tiny')!.variant, 'tiny');
  assert.equal(ts.find((t) => t.module === 'detect')!.variant, undefined, 'the default form has no variant');
});

test('a CPU-only app is profiled whole on cpu; GPU modules need a GPU model', () => {
  const ts = profileTargets({ apps: [app], models: [] });
  assert.deepEqual(ts.map(profileIdentity), ['synth/decode/default@cpu', 'synth/track/default@cpu']);
  const cpuOnly: RegisteredApp = {
    ...app,
    manifest: parseManifest({
      apiVersion: 'rim/v1',
      name: 'synth',
      entry: 'a',
      modules: [{ name: 'a', accelerator: 'cpu' }],
    }),
  };
  assert.deepEqual(profileTargets({ apps: [cpuOnly], models: ['x'] }).map(profileIdentity), [
    'synth/a/default@cpu',
    'synth/*/default@cpu',
  ]);
});

test('due: missing, new digest, stale by age or mark, forced; fresh and failed-on-same-digest are left alone', () => {
  const targets = profileTargets({ apps: [app], models: ['emu'], imageDigests: { 'rim/tracker:1': 'sha256:bbb' } });
  const [decode, detect, tiny, track, whole] = targets;
  const profiles: StoredProfile[] = [
    ok(decode!, 1000),
    ok({ ...detect!, digest: 'sha256:old' }, 1000),
    { ...ok(tiny!, 1000), state: 'stale' },
    failedProfile(track!, 'never healthy', 1000),
    ok(whole!, 0),
  ];
  const base = { apps: [app], models: ['emu'], profiles, imageDigests: { 'rim/tracker:1': 'sha256:bbb' }, now: 5000 };
  assert.deepEqual(
    dueProfiles(base).map((t) => [profileIdentity(t.target), t.why]),
    [
      ['synth/detect/default@emu', 'new-digest'],
      ['synth/detect/tiny@emu', 'stale'],
    ],
  );
  assert.deepEqual(
    dueProfiles({ ...base, maxAgeMs: 4500 }).map((t) => t.why),
    ['new-digest', 'stale', 'stale'],
  );
  assert.equal(dueProfiles({ ...base, force: true }).length, 5);
  assert.deepEqual(
    dueProfiles({ ...base, profiles: [] }).map((t) => t.why),
    ['missing', 'missing', 'missing', 'missing', 'missing'],
  );
  assert.equal(dueProfiles({ ...base, onlyApps: ['other'] }).length, 0);
});

test('upsert keeps one profile per identity; placement sees only the ok ones, in the profiles.json shape', () => {
  const t = { app: 'synth', module: 'detect', accelerator: 'emu', digest: 'sha256:1' };
  let ps = upsertProfile([], ok(t));
  ps = upsertProfile(ps, { ...ok({ ...t, digest: 'sha256:2' }), maxFps: 33 });
  ps = upsertProfile(ps, failedProfile({ ...t, module: 'track' }, 'crashed', 0));
  assert.equal(ps.length, 2);
  assert.deepEqual(placementProfiles(ps), [
    { app: 'synth', module: 'detect', accelerator: 'emu', maxFps: 33, latencyMs: 20, cpuCores: 1, memoryMB: 50 },
  ]);
});
