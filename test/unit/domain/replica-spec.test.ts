import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bindingFor,
  buildReplicaSpec,
  canonicalJson,
  sanitiseName,
  specHashOf,
} from '../../../src/domain/replica-spec.js';
import { NotFoundError } from '../../../src/domain/errors.js';
import { box, DIGEST, synthetic } from './supervisor/fixtures.js';

const cpu = { kind: 'cpu' } as const;

test('a default-variant spec pins the image, merges env with the module contract and gets a stable name', () => {
  const s = buildReplicaSpec({ node: 'box-1', app: synthetic, module: 'decode', accelerator: cpu, port: 17001 });
  assert.equal(s.name, 'rim-box-1-synthetic-decode-default-cpu');
  assert.equal(s.image, DIGEST);
  assert.equal(s.imageRef, 'rim/sample-synthetic:latest', 'the registered name, for docker ps');
  assert.deepEqual(s.command, ['node', '/app/server.js']);
  assert.deepEqual(s.env, {
    COST_MS: '4',
    RIM_PORT: '17001',
    RIM_APP: 'synthetic',
    RIM_MODULE: 'decode',
    RIM_VARIANT: 'default',
  });
  assert.equal(s.role, 'replica');
  assert.match(s.specHash, /^[0-9a-f]{64}$/);
});

test('a variant overrides env and command; another image is used as written', () => {
  const emu = bindingFor('emu0', box.accelerators);
  const s = buildReplicaSpec({
    node: 'box-1',
    app: synthetic,
    module: 'detect',
    variant: 'tiny',
    accelerator: emu,
    port: 17002,
  });
  assert.equal(s.env.COST_MS, '15');
  assert.equal(s.env.OUT_BYTES, '1024');
  assert.deepEqual(s.command, ['node', '/app/tiny.js']);
  assert.equal(s.name, 'rim-box-1-synthetic-detect-tiny-emu0');
  const t = buildReplicaSpec({ node: 'box-1', app: synthetic, module: 'track', accelerator: cpu, port: 17003 });
  assert.equal(t.image, 'rim/tracker:1');
  assert.equal(t.imageRef, undefined);
  assert.equal(t.command, undefined);
});

test('without a digest the image reference is used as registered', () => {
  const s = buildReplicaSpec({
    node: 'n',
    app: { ...synthetic, digest: 'unknown' },
    module: 'decode',
    accelerator: cpu,
    port: 1,
  });
  assert.equal(s.image, 'rim/sample-synthetic:latest');
  assert.equal(s.imageRef, undefined);
});

test('the spec hash is deterministic and covers every field', () => {
  const base = { node: 'box-1', app: synthetic, module: 'decode', accelerator: cpu, port: 17001 } as const;
  const a = buildReplicaSpec(base);
  assert.equal(buildReplicaSpec(base).specHash, a.specHash);
  assert.notEqual(buildReplicaSpec({ ...base, port: 17002 }).specHash, a.specHash);
  assert.notEqual(buildReplicaSpec({ ...base, accelerator: { kind: 'cpu', cpus: 2 } }).specHash, a.specHash);
  const changedEnv = {
    ...synthetic,
    manifest: {
      ...synthetic.manifest,
      modules: synthetic.manifest.modules.map((m) => (m.name === 'decode' ? { ...m, env: { COST_MS: '5' } } : m)),
    },
  };
  assert.notEqual(buildReplicaSpec({ ...base, app: changedEnv }).specHash, a.specHash);
  // Key order never matters.
  assert.equal(specHashOf({ ...a, env: Object.fromEntries(Object.entries(a.env).reverse()) }), a.specHash);
  assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }), '{"a":[{"c":3,"d":2}],"b":1}');
});

test('profiling replicas get their own names', () => {
  const s = buildReplicaSpec({
    node: 'box-1',
    app: synthetic,
    module: 'decode',
    accelerator: cpu,
    port: 1,
    role: 'profiling',
  });
  assert.equal(s.name, 'rim-prof-box-1-synthetic-decode-default-cpu');
  assert.equal(s.role, 'profiling');
});

test('bindings: emulated slices keep quota and cpuset, GPUs get the NVIDIA index', () => {
  assert.deepEqual(bindingFor('emu0', box.accelerators), {
    kind: 'emulated',
    id: 'emu0',
    model: 'fake-t4',
    cpus: 1.5,
    cpuset: '2-3',
  });
  assert.deepEqual(bindingFor('gpu0', box.accelerators), {
    kind: 'gpu',
    id: 'gpu0',
    model: 'RTX 2080 Ti',
    deviceId: '0',
  });
  assert.deepEqual(bindingFor('cpu', box.accelerators), { kind: 'cpu' });
  assert.throws(() => bindingFor('gpu7', box.accelerators), NotFoundError);
});

test('unknown modules and variants are refused by name', () => {
  assert.throws(
    () => buildReplicaSpec({ node: 'n', app: synthetic, module: 'nope', accelerator: cpu, port: 1 }),
    /no module "nope"/,
  );
  assert.throws(
    () => buildReplicaSpec({ node: 'n', app: synthetic, module: 'detect', variant: 'huge', accelerator: cpu, port: 1 }),
    /no variant "huge"/,
  );
});

test('names are sanitised for Docker and cut with a hash suffix', () => {
  assert.equal(sanitiseName('rim-Box_1-a/b  c'), 'rim-box_1-a-b-c');
  const long = sanitiseName(`rim-${'x'.repeat(300)}`);
  assert.equal(long.length, 128);
  assert.notEqual(sanitiseName(`rim-${'x'.repeat(300)}a`), sanitiseName(`rim-${'x'.repeat(300)}b`));
});
