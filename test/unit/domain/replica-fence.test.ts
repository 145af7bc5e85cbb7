/**
 * Replicas are fenced: memory (no swap), pids and CPU limits from the
 * module's profile with a margin, or defaults; a non-root user unless the
 * manifest says `runAsRoot`; a read-only root with a tmpfs /tmp unless the
 * manifest says `readOnlyRootFs: false`. Checked in the spec (pure) and in
 * the Docker create body.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOptions, replicaUser } from '../../../src/adapters/docker-create-options.js';
import { assignmentForNode } from '../../../src/domain/assignment.js';
import { parseManifest } from '../../../src/domain/manifest.js';
import { FENCE_DEFAULTS, fenceFor, NOBODY } from '../../../src/domain/replica-fence.js';
import { buildReplicaSpec } from '../../../src/domain/replica-spec.js';
import type { Profile, RegisteredApp } from '../../../src/domain/types.js';
import { box, synthetic } from './supervisor/fixtures.js';

const cpu = { kind: 'cpu' as const };
const MB = 1024 * 1024;
const SANDBOX = 'f'.repeat(64);

test('without a profile a replica gets the default memory and pids limits and no CPU quota of its own', () => {
  const s = buildReplicaSpec({ node: 'box-1', app: synthetic, module: 'decode', accelerator: cpu, port: 17000 });
  assert.deepEqual(s.fence, { memoryMB: FENCE_DEFAULTS.memoryMB, pids: FENCE_DEFAULTS.pids, readOnlyRootFs: true });
  const h = createOptions(s, {}, SANDBOX).HostConfig!;
  assert.equal(h.Memory, 2048 * MB);
  assert.equal(h.MemorySwap, 2048 * MB, 'no swap beyond the limit');
  assert.equal(h.PidsLimit, 512);
  assert.equal(h.NanoCpus, undefined);
});

test('with a profile the limits are its measured use times 1.5, plus slack, rounded up to steps', () => {
  const measured = { cpuCores: 0.3, memoryMB: 100 };
  const s = buildReplicaSpec({
    node: 'box-1',
    app: synthetic,
    module: 'decode',
    accelerator: cpu,
    port: 17000,
    measured,
  });
  // 100 × 1.5 + 128 = 278 → 384 (steps of 128); 0.3 × 1.5 = 0.45 → 0.5.
  assert.deepEqual(s.fence, { memoryMB: 384, pids: 512, cpus: 0.5, readOnlyRootFs: true });
  const h = createOptions(s, {}, SANDBOX).HostConfig!;
  assert.equal(h.Memory, 384 * MB);
  assert.equal(h.NanoCpus, 500_000_000);
  assert.deepEqual(
    fenceFor({}, { cpuCores: 2, memoryMB: 1000 }),
    {
      memoryMB: 1664,
      pids: 512,
      cpus: 3,
      readOnlyRootFs: true,
    },
    '1000 × 1.5 + 128 = 1628 → 1664; 2 × 1.5 = 3',
  );
  const again = fenceFor({}, { cpuCores: 0.31, memoryMB: 110 });
  assert.deepEqual(again, s.fence, 'a re-measured profile that moved a little keeps the limits (and the spec hash)');
});

test("an assignment takes each replica's limits from the profile of its module, variant and accelerator model", () => {
  const profile = (module: string, accelerator: string, memoryMB: number): Profile => ({
    app: 'synthetic',
    module,
    accelerator,
    maxFps: 10,
    latencyMs: 5,
    cpuCores: 1,
    memoryMB,
  });
  const plan = {
    strategy: 't',
    rejected: [],
    latencyMs: {},
    utilisation: {},
    solveMs: 0,
    placements: [
      { deployment: 'cam', module: 'decode', node: 'box-1', accelerator: 'cpu', fps: 5 },
      { deployment: 'cam', module: 'detect', node: 'box-1', accelerator: 'gpu0', fps: 5 },
      { deployment: 'cam', module: 'track', node: 'box-1', accelerator: 'cpu', fps: 5 },
    ],
  };
  const { assignment } = assignmentForNode({
    node: box,
    plan,
    apps: [synthetic],
    deployments: [{ name: 'cam', app: 'synthetic' }],
    ports: {},
    range: { from: 17000, to: 17100 },
    version: 1,
    profiles: [profile('decode', 'cpu', 200), profile('detect', 'RTX 2080 Ti', 1000), profile('detect', 'fake-t4', 9)],
  });
  const mem = Object.fromEntries(assignment.replicas.map((r) => [r.module, r.fence?.memoryMB]));
  assert.deepEqual(mem, { decode: 512, detect: 1664, track: FENCE_DEFAULTS.memoryMB });
});

test("replicas run as a non-root user: the image's own, or nobody; root only when the manifest says runAsRoot", () => {
  const s = buildReplicaSpec({ node: 'box-1', app: synthetic, module: 'decode', accelerator: cpu, port: 17000 });
  assert.equal(createOptions(s, {}, SANDBOX, s.image, '').User, NOBODY, 'an image that names no user runs as nobody');
  assert.equal(createOptions(s, {}, SANDBOX, s.image, 'root').User, NOBODY);
  assert.equal(createOptions(s, {}, SANDBOX, s.image, '0:0').User, NOBODY);
  assert.equal(createOptions(s, {}, SANDBOX, s.image, '1000').User, undefined, "an image's own non-root user is kept");
  const rootApp: RegisteredApp = { ...synthetic, manifest: parseManifest({ ...synthetic.manifest, runAsRoot: true }) };
  const r = buildReplicaSpec({ node: 'box-1', app: rootApp, module: 'decode', accelerator: cpu, port: 17000 });
  assert.equal(createOptions(r, {}, SANDBOX, r.image, '1000').User, '0:0');
  assert.equal(replicaUser({}, undefined), NOBODY);
});

test('the root filesystem is read-only with a tmpfs /tmp, unless the manifest says readOnlyRootFs: false', () => {
  const s = buildReplicaSpec({ node: 'box-1', app: synthetic, module: 'decode', accelerator: cpu, port: 17000 });
  const h = createOptions(s, {}, SANDBOX).HostConfig!;
  assert.equal(h.ReadonlyRootfs, true);
  assert.deepEqual(Object.keys(h.Tmpfs ?? {}), ['/tmp']);
  const manifest = parseManifest({ ...synthetic.manifest, readOnlyRootFs: false });
  const writable: RegisteredApp = { ...synthetic, manifest };
  const w = createOptions(
    buildReplicaSpec({ node: 'box-1', app: writable, module: 'decode', accelerator: cpu, port: 1 }),
    {},
    SANDBOX,
  );
  assert.equal(w.HostConfig!.ReadonlyRootfs, false);
  assert.equal(w.HostConfig!.Tmpfs, undefined);
});

test('the manifest still refuses a "user" key, and types runAsRoot and readOnlyRootFs', () => {
  assert.throws(() => parseManifest({ ...synthetic.manifest, user: '0' }), /user/);
  assert.throws(() => parseManifest({ ...synthetic.manifest, runAsRoot: 'yes' }), /runAsRoot/);
  assert.throws(() => parseManifest({ ...synthetic.manifest, readOnlyRootFs: 1 }), /readOnlyRootFs/);
});
