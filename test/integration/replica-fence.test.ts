/**
 * Every replica Rim creates is fenced, checked on the real engine with the
 * real sample images (whose manifests come from their labels): memory with
 * no swap, pids and CPU limits, every capability dropped, no-new-privileges,
 * a non-root user (the image's own, or nobody for an image that names none),
 * a read-only root with a writable tmpfs /tmp; and the samples still serve
 * frames so fenced.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { DockerContainerEngine } from '../../src/adapters/docker-engine.js';
import { parseManifest } from '../../src/domain/manifest.js';
import { NOBODY } from '../../src/domain/replica-fence.js';
import { buildReplicaSpec } from '../../src/domain/replica-spec.js';
import type { RegisteredApp, ReplicaSpec } from '../../src/domain/types.js';
import { ensureImages, IMAGE_TAGS, SANDBOX_IMAGE } from '../support/images.js';
import { removeNodeDocker } from '../support/node-docker.js';
import { until } from '../support/until.js';

const NODE = `t-fence-${process.pid}`;
let nextPort = 30000 + (process.pid % 20000);
const engine = new DockerContainerEngine({ sandboxImage: SANDBOX_IMAGE }, null);
const docker = (...args: string[]) =>
  execFileSync('docker', args, { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const created: string[] = [];

async function registered(image: string): Promise<RegisteredApp> {
  const info = await engine.inspectImage(image);
  const manifest = parseManifest(info.manifestLabel!);
  return { name: manifest.name, image, digest: info.digest, manifest, registeredAt: 0 };
}

/** Creates and starts every module of `app` as Rim would (spec from the manifest); the first one profiled. */
async function startAll(app: RegisteredApp): Promise<ReplicaSpec[]> {
  const specs = app.manifest.modules.map((m, i) =>
    buildReplicaSpec({
      node: NODE,
      app,
      module: m.name,
      accelerator: { kind: 'cpu' },
      port: nextPort++,
      ...(i === 0 ? { measured: { cpuCores: 0.2, memoryMB: 200 } } : {}),
    }),
  );
  for (const s of specs) {
    const id = await engine.create(s);
    created.push(id);
    await engine.start(id);
  }
  return specs;
}

async function postFresh(port: number, path: string, body: Buffer): Promise<{ status: number; body: string }> {
  const host = (await engine.ensureSandbox(NODE)).address;
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, path, method: 'POST', agent: false }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += String(c);
      });
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const inspect = (name: string) => JSON.parse(docker('inspect', name))[0];

function assertFenced(name: string, s: ReplicaSpec, expectUser: string): void {
  const c = inspect(name);
  const h = c.HostConfig;
  const mem = s.fence!.memoryMB * 1024 * 1024;
  assert.equal(h.Memory, mem, `${name} memory`);
  assert.equal(h.MemorySwap, mem, `${name} no swap`);
  assert.equal(h.PidsLimit, s.fence!.pids, `${name} pids`);
  assert.equal(h.NanoCpus, s.fence!.cpus ? Math.round(s.fence!.cpus * 1e9) : 0, `${name} cpus`);
  assert.equal(h.ReadonlyRootfs, true, `${name} read-only root`);
  assert.deepEqual(Object.keys(h.Tmpfs ?? {}), ['/tmp'], `${name} tmpfs /tmp`);
  assert.deepEqual(h.CapDrop, ['ALL']);
  assert.deepEqual(h.SecurityOpt, ['no-new-privileges']);
  assert.equal(h.Privileged, false);
  assert.equal(c.Config.User, expectUser, `${name} user`);
  // The network fence: the node's sandbox's namespace, no port of its own on the host.
  const sandbox = inspect(`rim-sandbox-${NODE}`);
  assert.equal(h.NetworkMode, `container:${sandbox.Id}`, `${name} in its sandbox's network namespace`);
  assert.equal(c.Config.Labels['rim.sandbox'], sandbox.Id);
  assert.ok(!h.PortBindings || Object.keys(h.PortBindings).length === 0, `${name} publishes no port`);
  assert.ok(c.Config.Env.includes('RIM_HOST=0.0.0.0'), `${name} binds every interface of its sandbox`);
  assert.equal(sandbox.HostConfig.Privileged, false);
  assert.deepEqual(sandbox.HostConfig.CapDrop, ['ALL']);
  assert.equal(sandbox.HostConfig.ReadonlyRootfs, true);
  const nets = Object.keys(sandbox.NetworkSettings.Networks);
  assert.deepEqual(nets, [`rim-replicas-${NODE}`], 'the sandbox is on its internal network only');
  assert.equal(JSON.parse(docker('network', 'inspect', nets[0]!))[0].Internal, true);
}

before(async () => {
  await ensureImages(['synthetic', 'dnn', 'base']);
});
after(() => removeNodeDocker(NODE));

test(
  'the sample apps run fenced: each container carries each setting, and serves frames',
  { timeout: 120_000 },
  async () => {
    for (const image of [IMAGE_TAGS.synthetic, IMAGE_TAGS.dnn]) {
      const app = await registered(image);
      const specs = await startAll(app);
      assert.ok(specs[0]!.fence!.cpus, 'the profiled module has a CPU limit');
      for (const s of specs) {
        assertFenced(s.name, s, '1000');
        const url = `http://${(await engine.ensureSandbox(NODE)).address}:${s.port}`;
        const healthy = async () => ((await fetch(`${url}/healthz`)).status === 200 ? true : undefined);
        await until(`${s.name} healthy`, healthy, 60_000);
        const uid = docker('exec', s.name, 'node', '-e', 'process.stdout.write(String(process.getuid()))');
        assert.equal(uid, '1000', `${s.name} runs as the image's user`);
        const writeRoot = () => docker('exec', s.name, 'node', '-e', 'require("fs").writeFileSync("/app/x", "1")');
        assert.throws(writeRoot, (e: Error) => e.message.includes('EROFS'), 'the root is read-only');
        docker('exec', s.name, 'node', '-e', 'require("fs").writeFileSync("/tmp/x", "1")');
      }
      const read = 'process.stdout.write(require("fs").readFileSync("/rim/sample.bin").toString("base64"))';
      const sample = Buffer.from(docker('exec', specs[0]!.name, 'node', '-e', read), 'base64');
      // A fresh connection: a pooled one may just have been closed by the replica's keep-alive timeout.
      const res = await postFresh(specs[0]!.port, '/infer', sample);
      assert.equal(res.status, 200, `${app.name} serves a frame fenced: ${res.body}`);
    }
  },
);

test('an image that names no user runs as nobody', { timeout: 60_000 }, async () => {
  const app = await registered(IMAGE_TAGS.synthetic);
  const s = buildReplicaSpec({ node: NODE, app, module: 'decode', accelerator: { kind: 'cpu' }, port: nextPort++ });
  const command = ['node', '-e', 'setInterval(() => {}, 1000)'];
  const bare: ReplicaSpec = { ...s, name: `${s.name}-bare`, image: IMAGE_TAGS.base, command };
  const id = await engine.create(bare);
  created.push(id);
  await engine.start(id);
  assertFenced(bare.name, bare, NOBODY);
  const uid = await until('uid', async () => docker('exec', bare.name, 'id', '-u') || undefined);
  assert.equal(uid, '65534');
});
