/**
 * The Docker adapter against the real engine and the real sample image:
 * create/start/labels/list/stop/remove, the manifest label, the module
 * contract over HTTP, unprivileged containers, events, typed errors; the
 * replica sandbox every replica's network joins (the fence).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { DockerContainerEngine } from '../../src/adapters/docker-engine.js';
import { DockerUnavailableError, NotFoundError } from '../../src/domain/errors.js';
import { parseManifest } from '../../src/domain/manifest.js';
import type { ReplicaSpec } from '../../src/domain/types.js';
import { ensureImages, IMAGE_TAGS, SANDBOX_IMAGE } from '../support/images.js';
import { until } from '../support/until.js';

const NODE = `t-eng-${randomBytes(3).toString('hex')}`;
const PORT = 30000 + Math.floor(Math.random() * 20000);
const engine = new DockerContainerEngine({ sandboxImage: SANDBOX_IMAGE }, null);

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', timeout: 30_000 }).trim();
const inspect = (id: string) => JSON.parse(docker('inspect', id))[0];

function spec(over: Partial<ReplicaSpec> = {}): ReplicaSpec {
  return {
    name: `rim-${NODE}-synthetic-detect-default-emu0`,
    node: NODE,
    app: 'synthetic',
    module: 'detect',
    variant: 'default',
    image: IMAGE_TAGS.synthetic,
    command: ['node', '/app/server.js'],
    env: { COST_MS: '2' },
    accelerator: { kind: 'emulated', id: 'emu0', model: 'fake-t4', cpus: 0.5 },
    port: PORT,
    specHash: 'hash-1',
    role: 'replica',
    ...over,
  };
}

/** Where this node's replicas answer: their sandbox's address. */
const at = async () => (await engine.ensureSandbox(NODE)).address;

before(async () => {
  await ensureImages(['base', 'synthetic']);
});
after(async () => {
  for (const node of [NODE, `${NODE}-x`, `${NODE}-box`]) {
    const ids = docker('ps', '-aq', '--filter', `label=rim.node=${node}`).split('\n').filter(Boolean);
    if (ids.length) docker('rm', '-f', '-v', ...ids);
    await engine.removeSandbox(node);
  }
});

test('the manifest is read from the image label and parses', async () => {
  const info = await engine.inspectImage(IMAGE_TAGS.synthetic);
  assert.match(info.digest, /^sha256:[0-9a-f]{64}$/);
  assert.ok(info.tags.includes(IMAGE_TAGS.synthetic));
  const m = parseManifest(info.manifestLabel!);
  assert.equal(m.name, 'synthetic');
  assert.deepEqual(
    m.modules.map((x) => `${x.name}:${x.accelerator}`),
    ['decode:cpu', 'detect:gpu', 'track:cpu'],
  );
  const sample = await engine.readImageFile(IMAGE_TAGS.synthetic, m.profile!.sampleInput!);
  assert.equal(sample.length, 16384);
});

test('create, start, list by labels, serve the module contract, stop, remove', async () => {
  const s = spec();
  const id = await engine.create(s);
  let list = await engine.listReplicas(NODE);
  assert.equal(list.length, 1);
  assert.equal(list[0]!.status, 'created');
  await engine.start(id);
  await engine.start(id); // starting a running container is not an error
  list = await engine.listReplicas(NODE);
  const created = list[0]!.createdAt;
  assert.ok(
    typeof created === 'number' && Math.abs(created - Date.now()) < 120_000,
    `createdAt is the creation time: ${created}`,
  );
  assert.deepEqual(
    { ...list[0], startedAt: undefined },
    {
      containerId: id,
      name: s.name,
      node: NODE,
      app: 'synthetic',
      module: 'detect',
      variant: 'default',
      specHash: 'hash-1',
      role: 'replica',
      port: PORT,
      status: 'running',
      startedAt: undefined,
      createdAt: created,
      sandbox: (await engine.ensureSandbox(NODE)).containerId,
    },
  );
  const host = await at();
  const health = await until('healthz', async () => {
    const r = await fetch(`http://${host}:${PORT}/healthz`);
    return r.status === 200 ? (r.json() as Promise<Record<string, unknown>>) : undefined;
  });
  assert.equal(health.module, 'detect');
  const r = await fetch(`http://${host}:${PORT}/infer`, {
    method: 'POST',
    body: new Uint8Array(100),
    headers: { 'rim-frame-id': 'f-1' },
  });
  assert.equal(r.status, 200);
  const out = (await r.json()) as Record<string, unknown>;
  assert.equal(out.frameId, 'f-1');
  assert.equal(out.inBytes, 100);
  assert.ok(Number(out.cpuMs) >= 2, 'the frame burned its CPU cost');
  const c = inspect(id);
  assert.ok(c.Config.Env.includes(`RIM_PORT=${PORT}`));
  assert.ok(
    c.Config.Env.includes('RIM_APP=synthetic') &&
      c.Config.Env.includes('RIM_MODULE=detect') &&
      c.Config.Env.includes('RIM_VARIANT=default'),
  );
  assert.equal(c.Config.Labels['rim.managed'], 'true');
  assert.equal(c.Config.Labels['rim.accelerator'], 'emu0');
  await engine.stop(id, 2);
  await engine.stop(id, 2); // stopping a stopped container is not an error
  list = await engine.listReplicas(NODE);
  assert.equal(list[0]!.status, 'exited');
  assert.equal(list[0]!.exitCode, 0); // the sample handles SIGTERM
  assert.ok(list[0]!.finishedAt! >= list[0]!.startedAt!);
  await engine.remove(id);
  await engine.remove(id); // removing a missing container is not an error
  assert.deepEqual(await engine.listReplicas(NODE), []);
});

test('replicas are never privileged: no mounts, no capability, no-new-privileges, a quota for emulation', async () => {
  const id = await engine.create(
    spec({
      name: `rim-${NODE}-priv-check`,
      accelerator: { kind: 'emulated', id: 'emu1', model: 'm', cpus: 0.25, cpuset: '0' },
    }),
  );
  const h = inspect(id).HostConfig;
  assert.equal(h.Privileged, false);
  assert.deepEqual(h.CapDrop, ['ALL']);
  assert.equal(h.CapAdd, null);
  assert.deepEqual(h.SecurityOpt, ['no-new-privileges']);
  assert.ok(!h.Binds || h.Binds.length === 0);
  assert.deepEqual(inspect(id).Mounts, []);
  assert.equal(h.NetworkMode, `container:${(await engine.ensureSandbox(NODE)).containerId}`);
  assert.equal(h.NanoCpus, 250_000_000);
  assert.equal(h.CpusetCpus, '0');
  assert.equal(h.PidMode, '');
  assert.equal(h.RestartPolicy.Name, 'no');
  await engine.remove(id);
});

test('a GPU replica asks for its device through the NVIDIA device request', async () => {
  const id = await engine.create(
    spec({ name: `rim-${NODE}-gpu-check`, accelerator: { kind: 'gpu', id: 'gpu1', model: 'RTX', deviceId: '1' } }),
  );
  const c = inspect(id);
  assert.deepEqual(c.HostConfig.DeviceRequests, [
    { Driver: 'nvidia', Count: 0, DeviceIDs: ['1'], Capabilities: [['gpu']], Options: null },
  ]);
  assert.ok(c.Config.Env.includes('NVIDIA_VISIBLE_DEVICES=1'));
  assert.equal(c.HostConfig.Privileged, false);
  await engine.remove(id);
});

test("watch reports start, die and destroy of this node's containers only", async () => {
  const ac = new AbortController();
  const events: { id: string; action: string }[] = [];
  const watching = engine.watch(NODE, (e) => events.push({ id: e.containerId, action: e.action }), ac.signal);
  // The subscription is live once it reports a container of ours: restart a probe until it does (no fixed sleep).
  const probe = await engine.create(spec({ name: `rim-${NODE}-probe`, port: PORT + 3 }));
  const of = (c: string) => (e: { id: string }) => e.id.startsWith(c) || c.startsWith(e.id);
  await until(
    'the watch to report the probe',
    async () => {
      await engine.stop(probe, 0).catch(() => undefined);
      await engine.start(probe);
      return events.some(of(probe)) ? true : undefined;
    },
    15_000,
    200,
  );
  await engine.remove(probe);
  await until('the probe destroyed', async () =>
    events.some((e) => of(probe)(e) && e.action === 'destroy') ? true : undefined,
  );
  const from = events.length;
  // Another node's container comes and goes first: were it reported, its events would come before ours.
  const other = await engine.create(spec({ name: `rim-${NODE}-other`, node: `${NODE}-x`, port: PORT + 1 }));
  await engine.start(other);
  await engine.remove(other);
  const id = await engine.create(spec({ name: `rim-${NODE}-watched`, port: PORT + 2 }));
  await engine.start(id);
  await engine.remove(id);
  const destroyed = (e: { id: string; action: string }) => of(id)(e) && e.action === 'destroy';
  await until('events', async () => (events.slice(from).some(destroyed) ? true : undefined), 5000);
  ac.abort();
  await watching;
  const seen = events.slice(from).map((e) => e.action);
  assert.deepEqual(seen, ['start', 'die', 'destroy']);
  assert.ok(events.slice(from).every(of(id)), 'only the watched container of this node');
});

test("engine errors are Rim's typed errors", async () => {
  const missing =
    'image rim/no-such-image:nope is not on this box; Rim never pulls images: ' +
    'build or `docker load` it on the box first';
  await assert.rejects(
    engine.inspectImage('rim/no-such-image:nope'),
    (e: unknown) => e instanceof NotFoundError && e.message === missing,
  );
  await assert.rejects(
    engine.create(spec({ name: `rim-${NODE}-absent`, image: 'rim/no-such-image:nope' })),
    (e: unknown) => e instanceof NotFoundError && e.message === missing,
  );
  await assert.rejects(engine.start('0123456789abcdef'), NotFoundError);
  const down = new DockerContainerEngine({ socketPath: '/tmp/rim-no-docker-here.sock' });
  await assert.rejects(down.ping(), DockerUnavailableError);
  await assert.rejects(down.listReplicas(NODE), DockerUnavailableError);
});

test('the sandbox: internal network, unprivileged idle container, labelled; created anew when gone', async () => {
  const sb = await engine.ensureSandbox(NODE);
  const c = inspect(sb.containerId);
  assert.equal(c.Name, `/rim-sandbox-${NODE}`);
  const l = c.Config.Labels; // with the image's own
  assert.deepEqual([l['rim.managed'], l['rim.node'], l['rim.role']], ['true', NODE, 'sandbox']);
  assert.deepEqual(c.Config.Cmd, ['infinity']);
  assert.equal(c.Config.User, '65534:65534');
  const h = c.HostConfig;
  assert.equal(h.Privileged, false);
  assert.deepEqual(h.CapDrop, ['ALL']);
  assert.deepEqual(h.SecurityOpt, ['no-new-privileges']);
  assert.equal(h.ReadonlyRootfs, true);
  assert.equal(h.Memory, 16 * 1024 * 1024);
  assert.equal(h.PidsLimit, 8);
  assert.deepEqual(inspect(sb.containerId).Mounts, []);
  assert.equal(c.NetworkSettings.Networks[`rim-replicas-${NODE}`].IPAddress, sb.address);
  assert.deepEqual(Object.keys(c.NetworkSettings.Networks), [`rim-replicas-${NODE}`], 'on its network only');
  const net = JSON.parse(docker('network', 'inspect', `rim-replicas-${NODE}`))[0];
  assert.equal(net.Internal, true);
  assert.deepEqual(net.Labels, { 'rim.managed': 'true', 'rim.node': NODE, 'rim.role': 'sandbox' });
  assert.equal((await engine.ensureSandbox(NODE)).containerId, sb.containerId, 'kept while it runs');
  assert.ok(
    (await engine.listReplicas(NODE)).every((r) => r.containerId !== sb.containerId),
    'the sandbox is not a replica',
  );
  const [a, b] = await Promise.all([engine.ensureSandbox(`${NODE}-x`), engine.ensureSandbox(`${NODE}-x`)]);
  assert.equal(a.containerId, b.containerId, 'two asking at once (supervisor, profiler) get one sandbox');
  docker('kill', sb.containerId);
  await engine.listReplicas(NODE); // the list shows it gone
  const anew = await engine.ensureSandbox(NODE);
  assert.notEqual(anew.containerId, sb.containerId, 'a sandbox that stopped is created anew');
  assert.equal(docker('ps', '-aq', '--filter', `id=${sb.containerId}`), '', 'the old one is removed');
});

test("a test cluster's box joins its sandbox's network, reaches a replica there; cleanup removes all", async () => {
  const node = `${NODE}-box`;
  const box = `rim-${node}`;
  // A stand-in appliance with a network namespace of its own (Docker's default bridge), as a test-cluster box.
  docker('run', '-d', '--name', box, '--label', `rim.node=${node}`, '--cap-drop', 'ALL', IMAGE_TAGS.synthetic);
  const inBox = new DockerContainerEngine({ sandboxImage: SANDBOX_IMAGE }, inspect(box).Id);
  const id = await inBox.create(spec({ name: `rim-${node}-in-box`, node, port: 9100 }));
  await inBox.start(id);
  const sb = await inBox.ensureSandbox(node);
  assert.equal(inspect(id).HostConfig.NetworkMode, `container:${sb.containerId}`);
  assert.ok(inspect(box).NetworkSettings.Networks[`rim-replicas-${node}`], 'the box joined the sandbox network');
  const body = await until("the replica, from the box, at the sandbox's address", async () => {
    try {
      return docker('exec', box, 'wget', '-qO-', `http://${sb.address}:9100/healthz`);
    } catch {
      return undefined;
    }
  });
  assert.equal(JSON.parse(body).module, 'detect');
  await inBox.removeSandbox(node);
  assert.equal(docker('ps', '-aq', '--filter', `id=${id}`), '', 'the replica joined to it went with it');
  assert.equal(docker('ps', '-aq', '--filter', `name=rim-sandbox-${node}`), '');
  assert.equal(docker('network', 'ls', '-q', '--filter', `name=rim-replicas-${node}`), '');
  assert.ok(!inspect(box).NetworkSettings.Networks[`rim-replicas-${node}`]);
});
