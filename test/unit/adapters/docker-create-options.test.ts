/**
 * What the Docker adapter asks the engine for, checked without an engine:
 * the create body (pure) and the mapping of engine errors to Rim's errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createOptions,
  replicaEnv,
  sandboxCreateOptions,
  sandboxNetworkOptions,
} from '../../../src/adapters/docker-create-options.js';
import { toRimError } from '../../../src/adapters/docker-engine.js';
import { ConflictError, DockerUnavailableError, NotFoundError, RimError } from '../../../src/domain/errors.js';
import { sandboxNames } from '../../../src/domain/replica-sandbox.js';
import { buildReplicaSpec, bindingFor } from '../../../src/domain/replica-spec.js';
import { box, synthetic } from '../domain/supervisor/fixtures.js';

type SpecInput = Parameters<typeof buildReplicaSpec>[0];
/** A replica of the synthetic app on box-1. */
const replica = (module: string, accelerator: SpecInput['accelerator'], port: number, more: Partial<SpecInput> = {}) =>
  buildReplicaSpec({ node: 'box-1', app: synthetic, module, accelerator, port, ...more });

const gpu = replica('detect', bindingFor('gpu0', box.accelerators), 17001);
const emu = replica('detect', bindingFor('emu0', box.accelerators), 17002);
const cpu = replica('decode', { kind: 'cpu', cpus: 0.5 }, 17003);

const SANDBOX = 'a'.repeat(64);

test('every replica is unprivileged, labelled, weighted below the appliance, in its sandbox, Rim restarts it', () => {
  for (const s of [gpu, emu, cpu]) {
    const o = createOptions(s, {}, SANDBOX);
    const h = o.HostConfig!;
    assert.equal(h.Privileged, false);
    assert.deepEqual(h.CapDrop, ['ALL']);
    assert.deepEqual(h.SecurityOpt, ['no-new-privileges']);
    assert.equal(h.Binds, undefined);
    assert.equal(h.Mounts, undefined);
    assert.equal(h.CapAdd, undefined);
    assert.equal(h.NetworkMode, `container:${SANDBOX}`);
    assert.equal(h.PortBindings, undefined);
    assert.deepEqual(h.RestartPolicy, { Name: 'no' });
    assert.equal(h.CpuShares, 512, "half a default container's CPU weight: the appliance's router comes first");
    assert.equal(o.name, s.name);
    assert.deepEqual(o.Labels, {
      'rim.managed': 'true',
      'rim.node': 'box-1',
      'rim.app': 'synthetic',
      'rim.module': s.module,
      'rim.variant': 'default',
      'rim.spec-hash': s.specHash,
      'rim.role': 'replica',
      'rim.port': String(s.port),
      'rim.accelerator': s.accelerator.kind === 'cpu' ? 'cpu' : s.accelerator.id,
      'rim.image': s.image,
      'rim.sandbox': SANDBOX,
    });
    assert.equal(o.Image, s.image);
    const named = createOptions(s, {}, SANDBOX, 'rim/sample-synthetic:latest');
    assert.equal(named.Image, 'rim/sample-synthetic:latest', 'a name for the pinned id');
  }
});

test('GPU: NVIDIA device request and NVIDIA_VISIBLE_DEVICES; slice: its quota and cpuset; CPU: optional quota', () => {
  const g = createOptions(gpu, {}, SANDBOX);
  assert.deepEqual(g.HostConfig!.DeviceRequests, [{ Driver: 'nvidia', DeviceIDs: ['0'], Capabilities: [['gpu']] }]);
  assert.ok(g.Env!.includes('NVIDIA_VISIBLE_DEVICES=0'));
  assert.equal(g.HostConfig!.NanoCpus, undefined);
  const e = createOptions(emu, {}, SANDBOX);
  assert.equal(e.HostConfig!.NanoCpus, 1_500_000_000);
  assert.equal(e.HostConfig!.CpusetCpus, '2-3');
  assert.equal(e.HostConfig!.DeviceRequests, undefined);
  assert.ok(!e.Env!.some((x) => x.startsWith('NVIDIA_')));
  assert.equal(createOptions(cpu, {}, SANDBOX).HostConfig!.NanoCpus, 500_000_000);
});

test("memory limit and read-only root come from the adapter's options", () => {
  const o = createOptions(cpu, { memoryMB: 256, readonlyRootfs: true }, SANDBOX);
  assert.equal(o.HostConfig!.Memory, 256 * 1024 * 1024);
  assert.equal(o.HostConfig!.ReadonlyRootfs, true);
});

test("the module contract env is always Rim's", () => {
  const env = replicaEnv({ ...cpu, env: { ...cpu.env, RIM_PORT: '1', RIM_HOST: '127.0.0.1' } });
  assert.equal(env.RIM_PORT, '17003');
  // Every interface of the sandbox's namespace: its loopback and its internal address, both inside the fence.
  assert.equal(env.RIM_HOST, '0.0.0.0');
  assert.equal(env.COST_MS, '4');
  assert.deepEqual([env.RIM_APP, env.RIM_MODULE, env.RIM_VARIANT], ['synthetic', 'decode', 'default']);
});

test("engine errors map to Rim's typed errors", () => {
  assert.ok(
    toRimError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'ping') instanceof
      DockerUnavailableError,
  );
  assert.ok(
    toRimError(Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' }), 'ping') instanceof
      DockerUnavailableError,
  );
  assert.ok(
    toRimError(Object.assign(new Error('no such container'), { statusCode: 404 }), 'start') instanceof NotFoundError,
  );
  assert.ok(
    toRimError(Object.assign(new Error('name in use'), { statusCode: 409 }), 'create') instanceof ConflictError,
  );
  const other = toRimError(
    Object.assign(new Error('boom'), { statusCode: 500, json: { message: 'daemon said boom' } }),
    'create x',
  );
  assert.ok(other instanceof RimError);
  assert.match(other.message, /create x: daemon said boom/);
});

test('the sandbox: the appliance image idling, unprivileged and small, on its internal network, labelled', () => {
  const names = sandboxNames('box-1');
  const o = sandboxCreateOptions('box-1', names, 'sha256:appliance');
  const h = o.HostConfig!;
  assert.equal(o.name, 'rim-sandbox-box-1');
  assert.equal(o.Image, 'sha256:appliance');
  assert.deepEqual([...o.Entrypoint!, ...o.Cmd!], ['sleep', 'infinity']);
  assert.equal(o.User, '65534:65534');
  assert.deepEqual(o.Labels, { 'rim.managed': 'true', 'rim.node': 'box-1', 'rim.role': 'sandbox' });
  assert.equal(h.NetworkMode, 'rim-replicas-box-1');
  assert.equal(h.Privileged, false);
  assert.deepEqual(h.CapDrop, ['ALL']);
  assert.deepEqual(h.SecurityOpt, ['no-new-privileges']);
  assert.equal(h.ReadonlyRootfs, true);
  assert.equal(h.Memory, 16 * 1024 * 1024);
  assert.equal(h.MemorySwap, h.Memory);
  assert.equal(h.PidsLimit, 8);
  assert.equal(h.Binds, undefined);
  assert.equal(h.PortBindings, undefined);
  assert.deepEqual(h.RestartPolicy, { Name: 'no' });
  const n = sandboxNetworkOptions('box-1', names);
  assert.equal(n.Name, 'rim-replicas-box-1');
  assert.equal(n.Internal, true, 'no route out, none in but from the host');
  assert.deepEqual(n.Labels, { 'rim.managed': 'true', 'rim.node': 'box-1', 'rim.role': 'sandbox' });
});

test("a replica's logs rotate, its scratch /tmp is small and not executable, its command is the spec's", () => {
  for (const s of [gpu, emu, cpu]) {
    const h = createOptions(s, {}, SANDBOX).HostConfig!;
    // Unrotated logs of a chatty module would fill the box's disk.
    assert.deepEqual(h.LogConfig, { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } });
    assert.deepEqual(h.Tmpfs, { '/tmp': 'rw,nosuid,nodev,noexec,size=64m' });
  }
  const writable = createOptions(cpu, { readonlyRootfs: false }, SANDBOX).HostConfig!;
  assert.equal(writable.ReadonlyRootfs, false);
  assert.equal('Tmpfs' in writable, false, 'a writable root needs no tmpfs');
  assert.deepEqual(createOptions(gpu, {}, SANDBOX).Cmd, ['node', '/app/server.js']);
  const track = replica('track', { kind: 'cpu', cpus: 0 }, 17004);
  assert.equal(track.command, undefined);
  const t = createOptions(track, {}, SANDBOX);
  assert.equal('Cmd' in t, false, "no command in the manifest: the image's own");
  assert.equal('CpusetCpus' in t.HostConfig!, false, 'only an emulated slice is pinned to cores');
  assert.equal('CpusetCpus' in createOptions(gpu, {}, SANDBOX).HostConfig!, false);
  const { cpuset: _pinned, ...unpinned } = emu.accelerator as Extract<typeof emu.accelerator, { kind: 'emulated' }>;
  const slice = createOptions({ ...emu, accelerator: unpinned }, {}, SANDBOX).HostConfig!;
  assert.equal(slice.NanoCpus, 1_500_000_000);
  assert.equal('CpusetCpus' in slice, false, 'a slice with no cores of its own is not pinned');
});

test("a GPU replica's CPU quota comes from its measured profile with a margin", () => {
  const measured = replica('detect', bindingFor('gpu0', box.accelerators), 17005, {
    measured: { memoryMB: 100, cpuCores: 0.9 },
  });
  const cpus = measured.fence!.cpus!;
  assert.ok(cpus >= 0.9, `quota ${cpus} below the measured 0.9 cores`);
  assert.equal(createOptions(measured, {}, SANDBOX).HostConfig!.NanoCpus, Math.round(cpus * 1e9));
});

test("the sandbox's own settings: no health check of the appliance's port, rotated logs, a tenth of a core", () => {
  const names = sandboxNames('box-1');
  const o = sandboxCreateOptions('box-1', names, 'sha256:appliance');
  assert.deepEqual(o.Healthcheck, { Test: ['NONE'] });
  assert.deepEqual(o.HostConfig!.LogConfig, { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '1' } });
  assert.equal(o.HostConfig!.NanoCpus, 100_000_000);
  assert.deepEqual(sandboxNetworkOptions('box-1', names), {
    Name: 'rim-replicas-box-1',
    Driver: 'bridge',
    Internal: true,
    CheckDuplicate: true,
    Labels: { 'rim.managed': 'true', 'rim.node': 'box-1', 'rim.role': 'sandbox' },
  });
});
