/**
 * The edges of the manifest rules: every forbidden key by name with its
 * reason, exact name and env-name grammars (anchored at both ends), which env
 * names are reserved (and which merely look alike), the reasons a refusal
 * gives, and the defaults the schema fills in. Each is a rule a mutation of
 * manifest.ts left unguarded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ForbiddenManifestError, ValidationError } from '../../../src/domain/errors.js';
import { MAX_MANIFEST_BYTES, parseManifest, topoOrder } from '../../../src/domain/manifest.js';

/** A two-module manifest: `src` (with a variant) feeds `sink`. */
const base = () =>
  ({
    apiVersion: 'rim/v1',
    name: 'app',
    entry: 'src',
    modules: [
      { name: 'src', accelerator: 'gpu', next: ['sink'], variants: [{ name: 'tiny' }] },
      { name: 'sink', accelerator: 'cpu', next: [] },
    ],
  }) as any;

/** The error parsing `m` throws (as JSON text), checked to be a `cls` naming `field`. */
function refusal(m: unknown, field: string, cls: typeof ValidationError = ValidationError): ValidationError {
  try {
    parseManifest(JSON.stringify(m));
  } catch (e) {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    assert.equal(e.field, field);
    return e;
  }
  assert.fail(`${JSON.stringify(m)} was accepted; expected a refusal of ${field}`);
}

const FORBIDDEN: Record<string, RegExp> = {
  privileged: /privileged mode is never granted/,
  mounts: /host mounts are never granted/,
  volumes: /host mounts are never granted/,
  binds: /host mounts are never granted/,
  tmpfs: /mounts are never granted/,
  devices: /devices are never granted/,
  deviceRequests: /devices are never granted/,
  capAdd: /capabilities are never granted/,
  cap_add: /capabilities are never granted/,
  capabilities: /capabilities are never granted/,
  securityOpt: /security options are never changed/,
  security_opt: /security options are never changed/,
  pid: /host PID namespace/,
  pidMode: /host PID namespace/,
  ipc: /host IPC namespace/,
  ipcMode: /host IPC namespace/,
  network: /network mode is set by Rim/,
  networkMode: /network mode is set by Rim/,
  network_mode: /network mode is set by Rim/,
  userns: /user namespace mode is never changed/,
  userNs: /user namespace mode is never changed/,
  user: /runAsRoot: true opts into root/,
  sysctls: /sysctls are never changed/,
  runtime: /runtime is chosen by Rim/,
};

test('every key that would widen a container is refused by name with its reason, at any level', () => {
  for (const [key, reason] of Object.entries(FORBIDDEN)) {
    const top = base();
    top[key] = 'x';
    let e = refusal(top, key, ForbiddenManifestError);
    assert.match(e.message, reason, key);
    assert.match(e.message, new RegExp(`^manifest field ${key}: `), key);
    const inModule = base();
    inModule.modules[1][key] = { any: 'value' };
    e = refusal(inModule, `modules[1].${key}`, ForbiddenManifestError);
    assert.match(e.message, reason, key);
    const inVariant = base();
    inVariant.modules[0].variants[0][key] = false;
    refusal(inVariant, `modules[0].variants[0].${key}`, ForbiddenManifestError);
  }
});

test('app, module and variant names are whole DNS-style labels: no junk before or after, at most 63', () => {
  const bad = ['-a', 'a-', 'A', 'xA', 'Ax', 'a_b', 'a.b', 'x y', 'a'.repeat(64), ''];
  const places: [string, (m: any, v: string) => void][] = [
    ['name', (m, v) => (m.name = v)],
    ['modules[1].name', (m, v) => (m.modules[1].name = v)],
    ['modules[0].variants[0].name', (m, v) => (m.modules[0].variants[0].name = v)],
  ];
  for (const [field, set] of places) {
    for (const v of bad) {
      const m = base();
      set(m, v);
      if (field === 'modules[1].name') m.modules[0].next = [v];
      assert.match(refusal(m, field).message, /: lower-case letters, digits and -$/, `${field} = ${v}`);
    }
    for (const v of ['a', '0', 'a-0', 'x--y', 'a'.repeat(63)]) {
      const m = base();
      set(m, v);
      if (field === 'modules[1].name') m.modules[0].next = [v];
      assert.doesNotThrow(() => parseManifest(m), `${field} = ${v}`);
    }
  }
});

test('env names are whole identifiers (nothing may follow a valid start), and a refusal says so', () => {
  for (const key of ['A-B', 'A B', 'A=B', 'PATH.X', '1A', '']) {
    const m = base();
    m.modules[1].env = { [key]: 'v' };
    const e = refusal(m, `modules[1].env.${key}`);
    assert.match(e.message, /: env names are letters, digits and _$/, key);
  }
  const ok = base();
  ok.modules[1].env = { _A: '1', a_1: '2' };
  assert.deepEqual(parseManifest(ok).modules[1]!.env, { _A: '1', a_1: '2' });
});

test('an env is refused if any one of its names is reserved, with the reason; look-alikes are fine', () => {
  const m = base();
  m.modules[1].env = { MODEL: 'x', RIM_PORT: '1', Z: 'y' };
  const e = refusal(m, 'modules[1].env');
  assert.match(e.message, /env may not set RIM_\*, NVIDIA_\* or CUDA_VISIBLE_DEVICES in any case \(Rim sets them\)$/);
  // Reserved are names that start with RIM_ or NVIDIA_, and CUDA_VISIBLE_DEVICES itself.
  const lookAlikes = {
    MY_RIM_HOME: '1',
    OLD_NVIDIA_PATH: '2',
    CUDA_VISIBLE_DEVICES_SAVED: '3',
    X_CUDA_VISIBLE_DEVICES: '4',
  };
  const ok = base();
  ok.modules[1].env = lookAlikes;
  assert.deepEqual(parseManifest(ok).modules[1]!.env, lookAlikes);
  const exact = base();
  exact.modules[1].env = { CUDA_VISIBLE_DEVICES: '0' };
  refusal(exact, 'modules[1].env');
});

test('a refused image says what an image reference looks like', () => {
  const m = base();
  m.modules[1].image = 'Team/App';
  assert.match(
    refusal(m, 'modules[1].image').message,
    /^manifest field modules\[1\]\.image: expected an image reference/,
  );
});

test('a module without next is a sink, and its image defaults to the labelled image itself', () => {
  const m = base();
  delete m.modules[1].next;
  delete m.modules[1].image;
  const parsed = parseManifest(m);
  assert.deepEqual(parsed.modules[1]!.next, []);
  assert.equal(parsed.modules[1]!.image, 'self');
});

test('a variant may not take the name of the module\'s own form, "default"', () => {
  const m = base();
  m.modules[1].variants = [{ name: 'big' }, { name: 'default' }];
  assert.match(refusal(m, 'modules[1].variants[1].name').message, /"default" is reserved$/);
});

test('an unknown field is named as such; JSON that is not a manifest object is refused as the manifest', () => {
  const m = base();
  m.modules[0].gpus = 2;
  assert.equal(refusal(m, 'modules[0].gpus').message, 'manifest field modules[0].gpus: unknown field');
  for (const text of ['[]', '"app"', 'null', '7']) {
    assert.throws(
      () => parseManifest(text),
      (e: unknown) =>
        e instanceof ValidationError && e.field === 'manifest' && /^manifest field manifest: /.test(e.message),
      text,
    );
  }
  assert.throws(
    () => parseManifest('{"apiVersion": '),
    (e: unknown) => e instanceof ValidationError && /^manifest: not valid JSON \(/.test(e.message),
  );
});

/** `m` as text of exactly `bytes` bytes (JSON allows trailing white space). */
function textOf(m: unknown, bytes: number): string {
  const text = JSON.stringify(m);
  return text + ' '.repeat(bytes - Buffer.byteLength(text));
}

/** A manifest whose JSON is exactly `bytes` bytes (multi-byte characters included, so bytes are counted). */
function objectOf(bytes: number): any {
  const m = base();
  m.description = 'é'.repeat(500);
  m.modules[1].env = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`K${i}`, '']));
  const keys = Object.keys(m.modules[1].env);
  let left = bytes - Buffer.byteLength(JSON.stringify(m));
  for (const k of keys) {
    const n = Math.min(4096, left);
    m.modules[1].env[k] = 'v'.repeat(n);
    left -= n;
  }
  assert.equal(Buffer.byteLength(JSON.stringify(m)), bytes);
  return m;
}

test('a manifest of exactly 64 KiB is taken, one byte more is refused, as text or as an object', () => {
  const m = objectOf(MAX_MANIFEST_BYTES - 200);
  assert.equal(parseManifest(textOf(m, MAX_MANIFEST_BYTES)).name, 'app');
  assert.throws(
    () => parseManifest(textOf(m, MAX_MANIFEST_BYTES + 1)),
    (e: unknown) =>
      e instanceof ValidationError &&
      e.field === 'manifest' &&
      e.message === `manifest: ${MAX_MANIFEST_BYTES + 1} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit`,
  );
  // An object (a stored or replicated app) is measured as its JSON text.
  assert.equal(parseManifest(objectOf(MAX_MANIFEST_BYTES)).name, 'app');
  assert.throws(
    () => parseManifest(objectOf(MAX_MANIFEST_BYTES + 1)),
    (e: unknown) =>
      e instanceof ValidationError &&
      e.field === 'manifest' &&
      e.message === `manifest: over the ${MAX_MANIFEST_BYTES}-byte limit`,
  );
});

test('a value nested too deep is refused as a manifest field, naming where', () => {
  let deep: unknown = 'leaf';
  for (let i = 0; i < 40; i++) deep = [deep];
  const m = base();
  m.profile = { sampleInput: deep };
  assert.match(
    refusal(m, `profile.sampleInput${'[0]'.repeat(30)}`).message,
    /^manifest field profile\.sampleInput\[0\]/,
  );
});

test('topoOrder puts a module after every module that feeds it, even one on a longer path', () => {
  const m = parseManifest({
    apiVersion: 'rim/v1',
    name: 'skip',
    entry: 'a',
    modules: [
      { name: 'a', accelerator: 'cpu', next: ['b', 'd'] },
      { name: 'b', accelerator: 'cpu', next: ['c'] },
      { name: 'c', accelerator: 'cpu', next: ['d'] },
      { name: 'd', accelerator: 'cpu' },
    ],
  });
  assert.deepEqual(
    topoOrder(m).map((x) => x.name),
    ['a', 'b', 'c', 'd'],
  );
});

test('a dense DAG of 64 modules is checked visiting each module once (revisits would take 4^15 steps: a hang)', () => {
  // 16 layers of 4 modules, each feeding every module of the next layer.
  const name = (layer: number, k: number) => `m${layer}-${k}`;
  const modules = Array.from({ length: 64 }, (_, i) => {
    const layer = Math.floor(i / 4);
    const next = layer < 15 ? [0, 1, 2, 3].map((k) => name(layer + 1, k)) : [];
    return { name: name(layer, i % 4), accelerator: 'cpu', next };
  });
  modules.unshift({ name: 'in', accelerator: 'cpu', next: [0, 1, 2, 3].map((k) => name(0, k)) });
  modules.pop();
  modules.at(-1)!.next = [];
  for (const mod of modules) mod.next = mod.next.filter((n) => modules.some((x) => x.name === n));
  const m = parseManifest({ apiVersion: 'rim/v1', name: 'dense', entry: 'in', modules });
  assert.equal(topoOrder(m).length, 64);
});
