/**
 * The appliance on the real Docker engine, driven by the real `rim` CLI:
 * apps added and deployed become labelled containers; a manifest asking for
 * privileged mode or a host mount is refused naming the field, with nothing
 * created; kill -9 and restart adopts the same containers, none duplicated.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { ensureImages, IMAGE_TAGS } from '../support/images.js';
import {
  containersOf,
  freePort,
  removeContainersOf,
  removeDir,
  rim,
  spawnAppliance,
  stopAppliance,
  tempDir,
  waitFor,
  waitHealthy,
  type ApplianceProcess,
} from './appliance-process.js';

const BAD_IMAGES = {
  privileged: `rim-test/bad-privileged:${process.pid}`,
  mount: `rim-test/bad-mount:${process.pid}`,
};

function buildBadImage(tag: string, module: Record<string, unknown>): void {
  const manifest = JSON.stringify({
    apiVersion: 'rim/v1',
    name: 'bad',
    entry: 'm',
    modules: [
      {
        name: 'm',
        image: 'self',
        accelerator: 'cpu',
        next: [],
        command: ['node', '-e', 'setInterval(()=>{},1000)'],
        ...module,
      },
    ],
  });
  execFileSync('docker', ['build', '-q', '-t', tag, '-'], {
    input: `FROM ${IMAGE_TAGS.base}\nLABEL rim.manifest='${manifest}'\n`,
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
}

describe('appliance on Docker, through the rim CLI', { timeout: 240_000 }, () => {
  const dataDir = tempDir('rim-docker-');
  const from = 20000 + (process.pid % 200) * 40;
  let port = 0;
  let node = '';
  let p: ApplianceProcess | undefined;
  let env: Record<string, string> = {};
  let cliEnv: Record<string, string> = {};

  const start = async () => {
    p = spawnAppliance(env);
    await waitHealthy(p);
    return waitFor(async () => {
      const r = await fetch(`${p!.base}/readyz`);
      return r.status === 200 ? ((await r.json()) as { node: string }).node : undefined;
    }, 'the appliance to be ready');
  };
  const replicas = async () =>
    (
      (await (await fetch(`${p!.base}/v1/nodes/${node}`)).json()) as {
        replicas: { name: string; state: string; containerId?: string }[];
      }
    ).replicas;
  const allRunning = (n: number) =>
    waitFor(
      async () => {
        const rs = await replicas();
        return rs.length === n &&
          rs.every((r) => r.state === 'running') &&
          containersOf(node, ['--filter', 'status=running']).length === n
          ? rs
          : undefined;
      },
      `${n} running replicas`,
      90_000,
    );

  before(async () => {
    await ensureImages(['base', 'synthetic', 'noop']);
    buildBadImage(BAD_IMAGES.privileged, { privileged: true });
    buildBadImage(BAD_IMAGES.mount, { mounts: ['/etc:/host-etc'] });
    port = await freePort();
    env = {
      RIM_API_PORT: String(port),
      RIM_API_HOST: '127.0.0.1',
      RIM_DATA_DIR: dataDir,
      RIM_ACCELERATORS_EMULATE: JSON.stringify([{ model: 'RTX 2080 Ti', cpus: 0.5 }]),
      RIM_PORTS_RANGE: JSON.stringify({ from, to: from + 39 }),
    };
    // The CLI finds the token in the local data dir (RIM_ADMIN_TOKEN unset).
    cliEnv = { RIM_URL: `http://127.0.0.1:${port}`, RIM_DATA_DIR: dataDir, RIM_ADMIN_TOKEN: '' };
    node = await start();
    assert.match(node, /-[0-9a-f]{4}$/, 'a generated node id');
  });

  after(async () => {
    await stopAppliance(p);
    if (node) removeContainersOf(node);
    execFileSync('docker', ['rmi', '-f', ...Object.values(BAD_IMAGES)], { stdio: 'ignore' });
    removeDir(dataDir);
  });

  it('rim apps add + rim deploy start labelled replicas', async () => {
    const add = await rim(['apps', 'add', IMAGE_TAGS.synthetic], cliEnv);
    assert.equal(add.code, 0, add.stderr);
    assert.ok(add.stdout.startsWith(`registered synthetic from ${IMAGE_TAGS.synthetic} `), add.stdout);
    const noop = await rim(['apps', 'add', IMAGE_TAGS.noop, '--json'], cliEnv);
    assert.equal(noop.code, 0, noop.stderr);
    assert.equal(JSON.parse(noop.stdout).name, 'noop');

    const d1 = await rim(['deploy', 'synthetic', '--name', 'cam1', '--fps', '5', '--latency', '800'], cliEnv);
    assert.equal(d1.code, 0, d1.stderr);
    assert.match(d1.stdout, /deployment cam1: synthetic at 5 fps, 800 ms/);
    const d2 = await rim(['deploy', 'noop', '--name', 'mic1', '--json'], cliEnv);
    assert.equal(d2.code, 0, d2.stderr);
    assert.equal(JSON.parse(d2.stdout).fps, 100, 'fps from the manifest defaults');

    await allRunning(4);
    const labels = execFileSync('docker', [
      'ps',
      '--filter',
      'label=rim.role=replica',
      '--filter',
      `label=rim.node=${node}`,
      '--format',
      '{{.Label "rim.app"}}/{{.Label "rim.module"}}/{{.Label "rim.accelerator"}}',
    ])
      .toString()
      .trim()
      .split('\n')
      .sort();
    assert.deepEqual(labels, ['noop/noop/cpu', 'synthetic/decode/cpu', 'synthetic/detect/emu0', 'synthetic/track/cpu']);
    const shown = execFileSync('docker', [
      'ps',
      '--filter',
      'label=rim.role=replica',
      '--filter',
      `label=rim.node=${node}`,
      '--format',
      '{{.Image}}',
    ])
      .toString()
      .trim()
      .split('\n')
      .sort();
    const names = [IMAGE_TAGS.noop, ...Array(3).fill(IMAGE_TAGS.synthetic)].sort();
    assert.deepEqual(shown, names, 'docker ps shows names, not ids');

    const status = await rim(['status'], cliEnv);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`cluster rim: leader ${node}`));
    assert.equal((status.stdout.match(/\brunning\b/g) ?? []).length, 4, status.stdout);
    assert.match(status.stdout, /emu0:RTX 2080 Ti \(emulated\)/);
    const ls = await rim(['apps', 'ls'], cliEnv);
    assert.match(ls.stdout, /^NAME\s+IMAGE/m);
  });

  it('refuses a manifest asking for privileged mode or a host mount, naming the field, creating nothing', async () => {
    const before = containersOf(node);
    const priv = await rim(['apps', 'add', BAD_IMAGES.privileged], cliEnv);
    assert.equal(priv.code, 1);
    assert.match(
      priv.stderr,
      /^error: manifest-forbidden: manifest field modules\[0\]\.privileged: privileged mode is never granted/,
    );
    const mount = await rim(['apps', 'add', BAD_IMAGES.mount], cliEnv);
    assert.equal(mount.code, 1);
    assert.match(mount.stderr, /^error: manifest-forbidden: manifest field modules\[0\]\.mounts/);
    const apps = JSON.parse((await rim(['apps', 'ls', '--json'], cliEnv)).stdout) as { name: string }[];
    assert.deepEqual(apps.map((a) => a.name).sort(), ['noop', 'synthetic']);
    assert.deepEqual(containersOf(node), before);
    const bad = execFileSync('docker', [
      'ps',
      '-aq',
      '--filter',
      `ancestor=${BAD_IMAGES.privileged}`,
      '--filter',
      `ancestor=${BAD_IMAGES.mount}`,
    ])
      .toString()
      .trim();
    assert.equal(bad, '');
  });

  it('answers usage errors with exit 2 and API errors with exit 1', async () => {
    const usage = await rim(['deploy', 'synthetic'], cliEnv);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--name/);
    const nan = await rim(['deploy', 'synthetic', '--name', 'x', '--fps', 'lots'], cliEnv);
    assert.equal(nan.code, 2);
    const missing = await rim(['undeploy', 'ghost'], cliEnv);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: not-found: deployment "ghost" does not exist/);
    const noToken = await rim(['undeploy', 'cam1'], {
      RIM_URL: cliEnv.RIM_URL!,
      RIM_DATA_DIR: '/nonexistent',
      RIM_ADMIN_TOKEN: '',
    });
    assert.equal(noToken.code, 1);
    assert.match(
      noToken.stderr,
      /^error: unauthorized: no admin token found .*\/nonexistent\/admin-token is not readable/,
    );
  });

  it('after kill -9 and a restart, adopts the same containers and duplicates none', async () => {
    const before = containersOf(node);
    assert.equal(before.length, 4);
    p!.child.kill('SIGKILL');
    await p!.exited;
    assert.deepEqual(containersOf(node, ['--filter', 'status=running']), before, 'replicas outlive the appliance');
    const again = await start();
    assert.equal(again, node, 'the node id is kept in the data dir');
    const rs = await allRunning(4);
    // A few reconcile rounds later, still the same four containers (absence of duplicates is the point).
    await new Promise((r) => setTimeout(r, 3000));
    assert.deepEqual(containersOf(node), before);
    assert.deepEqual(rs.map((r) => r.containerId).sort(), before);
    assert.doesNotMatch(p!.stdout(), /admin token:/, 'the token is shown only on the first start');
  });

  it('rim undeploy removes the replicas no deployment needs', async () => {
    const r = await rim(['undeploy', 'cam1'], cliEnv);
    assert.equal(r.code, 0, r.stderr);
    await waitFor(async () => containersOf(node).length === 1, 'the synthetic replicas to go', 60_000);
    const left = execFileSync('docker', [
      'ps',
      '-a',
      '--filter',
      `label=rim.node=${node}`,
      '--format',
      '{{.Label "rim.app"}}',
    ])
      .toString()
      .trim();
    assert.equal(left, 'noop');
  });
});
