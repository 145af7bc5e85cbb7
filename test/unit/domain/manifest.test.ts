import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifest, topoOrder, MAX_MANIFEST_BYTES } from '../../../src/domain/manifest.js';
import { ForbiddenManifestError, ValidationError } from '../../../src/domain/errors.js';

const good = () =>
  ({
    apiVersion: 'rim/v1',
    name: 'actdet',
    description: 'cross-camera activity detection',
    entry: 'detect',
    modules: [
      {
        name: 'detect',
        image: 'self',
        command: ['node', 'detect.js'],
        accelerator: 'gpu',
        next: ['track'],
        variants: [{ name: 'tiny', env: { MODEL: 'tiny' }, quality: 0.8 }],
      },
      {
        name: 'track',
        image: 'self',
        command: ['node', 'track.js'],
        env: { MAX_AGE: '30' },
        accelerator: 'cpu',
        next: [],
      },
    ],
    profile: { sampleInput: '/rim/sample.jpg' },
    defaults: { fps: 15, latencyMs: 300 },
  }) as any;

/** Asserts that parsing refuses with an error naming `field`. */
function refuses(m: unknown, field: string, cls: new (...args: never[]) => Error = ValidationError) {
  assert.throws(
    () => parseManifest(typeof m === 'string' ? m : JSON.stringify(m)),
    (e: any) => {
      assert.ok(e instanceof cls, `expected ${cls.name}, got ${e?.constructor?.name}: ${e?.message}`);
      assert.equal((e as ValidationError).field, field);
      assert.ok(e instanceof Error);
      assert.match(e.message, new RegExp(field.replace(/[[\].]/g, '\\$&')));
      return true;
    },
  );
}

test('the docs/design.md example manifest parses, with defaults filled', () => {
  const m = parseManifest(JSON.stringify(good()));
  assert.equal(m.name, 'actdet');
  assert.deepEqual(
    m.modules.map((x) => x.name),
    ['detect', 'track'],
  );
  assert.equal(m.modules[0]!.variants![0]!.name, 'tiny');
});

test('privileged, host mounts, devices, capabilities, host pid/ipc and network modes are refused by name', () => {
  const cases: [string, unknown][] = [
    ['privileged', true],
    ['mounts', [{ source: '/', target: '/host' }]],
    ['volumes', ['/:/host']],
    ['binds', ['/var/run/docker.sock:/s']],
    ['devices', ['/dev/mem']],
    ['capAdd', ['SYS_ADMIN']],
    ['pid', 'host'],
    ['ipc', 'host'],
    ['networkMode', 'host'],
    ['network', 'bridge'],
  ];
  for (const [key, value] of cases) {
    const m = good();
    m.modules[1][key] = value;
    refuses(m, `modules[1].${key}`, ForbiddenManifestError);
  }
  const top = good();
  top.privileged = true;
  refuses(top, 'privileged', ForbiddenManifestError);
  const inVariant = good();
  inVariant.modules[0].variants[0].binds = ['/:/x'];
  refuses(inVariant, 'modules[0].variants[0].binds', ForbiddenManifestError);
});

test("env may not set Rim's contract variables or GPU visibility", () => {
  const m = good();
  m.modules[1].env = { NVIDIA_VISIBLE_DEVICES: 'all' };
  refuses(m, 'modules[1].env');
});

test('a key that merely looks forbidden inside env values is fine', () => {
  const m = good();
  m.modules[1].env = { user: 'x', privileged: 'no' };
  assert.equal(parseManifest(m).modules[1]!.env!.user, 'x');
});

test('unknown fields, bad types and a wrong apiVersion name the field', () => {
  const unknown = good();
  unknown.modules[0].gpuCount = 2;
  refuses(unknown, 'modules[0].gpuCount');
  const badAcc = good();
  badAcc.modules[0].accelerator = 'tpu';
  refuses(badAcc, 'modules[0].accelerator');
  const badVer = good();
  badVer.apiVersion = 'rim/v2';
  refuses(badVer, 'apiVersion');
});

test('DAG rules: unknown next, missing entry, cycles, unreachable modules, duplicates', () => {
  const unknownNext = good();
  unknownNext.modules[0].next = ['nope'];
  refuses(unknownNext, 'modules[0].next[0]');
  const noEntry = good();
  noEntry.entry = 'ghost';
  refuses(noEntry, 'entry');
  const cycle = good();
  cycle.modules[1].next = ['detect'];
  refuses(cycle, 'modules[1].next[0]');
  const island = good();
  island.modules.push({ name: 'island', accelerator: 'cpu', next: [] });
  refuses(island, 'modules[2]');
  const dup = good();
  dup.modules.push({ ...dup.modules[1] });
  dup.modules[0].next = ['track'];
  refuses(dup, 'modules[2].name');
});

test('over 64 KiB and invalid JSON are refused', () => {
  const big = good();
  big.description = 'x'.repeat(1000);
  big.modules[1].env = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`K${i}`, 'v'.repeat(1000)]));
  const text = JSON.stringify(big);
  assert.ok(Buffer.byteLength(text) > MAX_MANIFEST_BYTES);
  refuses(text, 'manifest');
  refuses('{"apiVersion": ', 'manifest');
});

test('topoOrder follows the DAG from the entry', () => {
  const m = parseManifest({
    apiVersion: 'rim/v1',
    name: 'diamond',
    entry: 'a',
    modules: [
      { name: 'd', accelerator: 'cpu', next: [] },
      { name: 'b', accelerator: 'gpu', next: ['d'] },
      { name: 'a', accelerator: 'cpu', next: ['b', 'c'] },
      { name: 'c', accelerator: 'gpu', next: ['d'] },
    ],
  });
  assert.deepEqual(
    topoOrder(m).map((x) => x.name),
    ['a', 'b', 'c', 'd'],
  );
});

test('a manifest nested 20,000 deep is a ValidationError naming where, from JSON text or as an object', () => {
  const deep = '['.repeat(20_000) + ']'.repeat(20_000);
  const text = JSON.stringify(good()).replace('"/rim/sample.jpg"', deep);
  assert.ok(Buffer.byteLength(text) < MAX_MANIFEST_BYTES, 'under the size limit: the depth rule must catch it');
  assert.throws(
    () => parseManifest(text),
    (e: any) => {
      assert.ok(e instanceof ValidationError, `expected ValidationError, got ${e?.constructor?.name}: ${e?.message}`);
      assert.match(e.field ?? '', /^profile\.sampleInput(\[0\])+$/);
      assert.match(e.message, /nested deeper than 32 levels/);
      return true;
    },
  );
  // An object (a stored or replicated app) is walked before anything recursive touches it.
  let obj: unknown = 'leaf';
  for (let i = 0; i < 20_000; i++) obj = { x: obj };
  const m = good();
  m.modules[0].env = obj;
  assert.throws(
    () => parseManifest(m),
    (e: any) => e instanceof ValidationError && /^modules\[0\]\.env(\.x)+$/.test(e.field ?? ''),
  );
  // A forbidden key just under the limit is still found by name.
  let near: any = { privileged: true };
  for (let i = 0; i < 20; i++) near = { a: near };
  const n = good();
  n.profile = near;
  refuses(n, `profile${'.a'.repeat(20)}.privileged`, ForbiddenManifestError);
});

test("module and variant images follow Docker's reference grammar; the error names the field", () => {
  const digest = `sha256:${'f'.repeat(64)}`;
  const taken = ['rim/sample:1', 'localhost:5000/team/app:v1.2_x', `registry.example.com/a/b@${digest}`, 'self'];
  for (const image of taken) {
    const m = good();
    m.modules[1].image = image;
    assert.equal(parseManifest(m).modules[1]!.image, image);
  }
  const refused = [
    'bad image ref',
    'Rim/Sample:1',
    'rim/sample:',
    'rim/sample:-x',
    'rim//sample',
    'ímage:1',
    'rim/ü',
    '',
    'x'.repeat(600),
  ];
  for (const image of refused) {
    const m = good();
    m.modules[1].image = image;
    refuses(m, 'modules[1].image');
  }
  const v = good();
  v.modules[0].variants[0].image = 'team/Upper';
  refuses(v, 'modules[0].variants[0].image');
});

test('reserved env names are refused in any case', () => {
  const keys = ['rim_port', 'Rim_App', 'nvidia_visible_devices', 'Nvidia_Driver_Capabilities', 'cuda_visible_devices'];
  for (const key of keys) {
    const m = good();
    m.modules[1].env = { [key]: 'x' };
    refuses(m, 'modules[1].env');
    const v = good();
    v.modules[0].variants[0].env = { [key]: 'x' };
    refuses(v, 'modules[0].variants[0].env');
  }
  const ok = good();
  ok.modules[1].env = { RIMSHOT: '1', cuda_cache_path: '/tmp' };
  assert.equal(parseManifest(ok).modules[1]!.env!.RIMSHOT, '1');
});

test('default fps and latency have finite floors', () => {
  const cases = [
    ['fps', 5e-324],
    ['fps', 0.05],
    ['fps', 1001],
    ['latencyMs', 0.5],
    ['latencyMs', 5e-324],
    ['latencyMs', 600_001],
  ] as const;
  for (const [key, value] of cases) {
    const m = good();
    m.defaults[key] = value;
    refuses(m, `defaults.${key}`);
  }
  const m = good();
  m.defaults = { fps: 0.1, latencyMs: 1 };
  assert.deepEqual(parseManifest(m).defaults, { fps: 0.1, latencyMs: 1 });
});

test('keys named like Object.prototype members are ordinary unknown fields, not forbidden ones', () => {
  const m = good();
  m.modules[0].constructor = 1;
  assert.throws(
    () => parseManifest(JSON.stringify(m)),
    (e: any) => !(e instanceof ForbiddenManifestError) && e.field === 'modules[0].constructor',
  );
});
