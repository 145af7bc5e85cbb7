/**
 * The README cannot rot: its quick start and its `docker run` path run from a
 * fresh `git clone` of this repository at HEAD, with the commands exactly as
 * README.md shows them. The test reads every fenced `sh` block that follows a
 * `<!-- readme-test: NAME -->` marker and runs its lines with bash.
 *
 * What the test sets, it sets only through variables the README names:
 * RIM_IMAGE_TAG (its own image tag, never `latest`), RIM_API_PORT and RIM_URL
 * (a free port for `npm start`), RIM_CLUSTER_TOKEN. What differs from a user,
 * and why:
 * - `npm ci` needs the registry and a minute: the clone gets the working
 *   tree's node_modules (hard links) instead, unless RIM_README_NPM_CI=1.
 * - `docker run ... --gpus all` cannot run without an NVIDIA GPU: the test
 *   checks only that it parses (each flag is one `docker run` takes, the
 *   image is the one the emulated line runs).
 * - The `docker run` lines name the container `rim`, the volume `rim-data`
 *   and port 7878 (host network). They are a user's names: when any of them
 *   exists already the test refuses to run that part and says why (a skip,
 *   or a failure under RIM_REQUIRE_DOCKER=1) rather than touch it.
 * - The test cluster runs under its own RIM_PREFIX and RIM_IMAGE (up.sh's
 *   variables) on the README's subnet, 10.213.7.0/24; it refuses while
 *   another network holds that subnet.
 * It removes what it made: the appliance process, the replicas of its node,
 * its test cluster, the `rim` container and `rim-data` volume it created,
 * its image tags, the clone.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { until } from '../support/until.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// The README the clone has (HEAD), not the working tree's: the commands and the clone must agree.
const README = execFileSync('git', ['show', 'HEAD:README.md'], { cwd: root, encoding: 'utf8' });
const TAG = `readme-${process.pid}`;
const IMAGES = ['appliance', 'sample-synthetic', 'sample-noop', 'sample-dnn'].map((n) => `rim/${n}:${TAG}`);

/** The `sh` blocks after `<!-- readme-test: NAME -->`, by name. */
function markedBlocks(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/<!-- readme-test: ([\w-]+) -->\n```sh\n([\s\S]*?)\n```/g)) out.set(m[1]!, m[2]!);
  return out;
}
/** A block's commands: one per line, `\` continuations joined (bash reads them the same). */
const commands = (block: string) =>
  block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'));

const blocks = markedBlocks(README);
const block = (name: string) => {
  const b = blocks.get(name);
  assert.ok(b, `README.md has no \`sh\` block marked <!-- readme-test: ${name} -->`);
  return b;
};

interface Ran {
  code: number;
  out: string;
}
function sh(cmd: string, cwd: string, env: NodeJS.ProcessEnv, timeout = 60_000): Ran {
  const r = spawnSync('bash', ['-c', cmd], { cwd, env, encoding: 'utf8', timeout });
  return { code: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}
function ok(cmd: string, cwd: string, env: NodeJS.ProcessEnv, timeout?: number): string {
  const r = sh(cmd, cwd, env, timeout);
  assert.equal(r.code, 0, `\`${cmd}\` exited ${r.code}:\n${r.out}`);
  return r.out;
}
const docker = (...args: string[]) =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).trim();
const quietly = (f: () => unknown) => {
  try {
    f();
  } catch {
    /* gone already */
  }
};

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
const portTaken = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer()
      .once('error', () => resolve(true))
      .listen(port, () => s.close(() => resolve(false)));
  });
const getJson = async <T>(url: string): Promise<T> => {
  const r = await fetch(url, { signal: AbortSignal.timeout(3000) });
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return (await r.json()) as T;
};

interface NodeView {
  replicas: { name: string; state: string }[] | null;
}

let clone = '';
let work = '';
let cloned = false;

function freshClone(): void {
  work = mkdtempSync(join(tmpdir(), 'rim-readme-'));
  clone = join(work, 'rim');
  execFileSync('git', ['clone', '-q', root, clone], { timeout: 60_000 });
  const env = { ...process.env, RIM_IMAGE_TAG: TAG };
  for (const cmd of commands(block('install'))) {
    if (/^npm ci\b/.test(cmd) && process.env.RIM_README_NPM_CI !== '1') {
      // Hard links of the working tree's node_modules (a copy across file systems): what `npm ci` would install.
      for (const dir of ['node_modules', 'images/samples/dnn/node_modules']) {
        if (!existsSync(join(root, dir))) continue;
        const from = realpathSync(join(root, dir));
        if (spawnSync('cp', ['-al', from, join(clone, dir)]).status !== 0)
          cpSync(from, join(clone, dir), { recursive: true });
      }
      console.log(
        `readme: \`${cmd.trim()}\` replaced by the working tree's node_modules (RIM_README_NPM_CI=1 runs it)`,
      );
      continue;
    }
    ok(cmd, clone, env, 300_000);
  }
  cloned = true;
}

describe('README quick start, from a fresh clone', { timeout: 420_000 }, () => {
  let port = 0;
  let env: NodeJS.ProcessEnv = {};
  let appliance: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();
  let nodeId = '';
  let url = '';

  before(async () => {
    freshClone();
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    env = { ...process.env, RIM_IMAGE_TAG: TAG, RIM_API_PORT: String(port), RIM_URL: url };
    delete env.RIM_ADMIN_TOKEN;
  });
  after(async () => {
    if (appliance?.pid) {
      quietly(() => process.kill(-appliance!.pid!, 'SIGTERM'));
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      quietly(() => process.kill(-appliance!.pid!, 'SIGKILL'));
    }
    if (nodeId) {
      const left = docker('ps', '-aq', '--filter', `label=rim.node=${nodeId}`).split('\n').filter(Boolean);
      if (left.length) quietly(() => docker('rm', '-f', '-v', ...left));
      // The box's replica sandbox network (the sandbox itself went with the containers above).
      const nets = docker('network', 'ls', '-q', '--filter', `label=rim.node=${nodeId}`).split('\n').filter(Boolean);
      if (nets.length) quietly(() => docker('network', 'rm', ...nets));
    }
  });

  it('starts the appliance with an emulated GPU as the README does (`npm start`)', async () => {
    const [cmd, ...rest] = commands(block('start-emulated'));
    assert.deepEqual(rest, [], 'one command');
    appliance = spawn('bash', ['-c', cmd!], { cwd: clone, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    appliance.stdout!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    appliance.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    exited = new Promise((r) => appliance!.once('exit', r));
    const health = await until(
      `${url}/healthz (log: ${log})`,
      async () => {
        if (appliance!.exitCode !== null) throw new Error(`npm start exited ${appliance!.exitCode}: ${log}`);
        return getJson<{ status: string; node: string }>(`${url}/healthz`);
      },
      60_000,
      250,
    );
    assert.equal(health.status, 'alive');
    nodeId = health.node;
  });

  it('adds the sample app, deploys it, shows it, takes a frame and undeploys, as the README says', async () => {
    const [add, deploy, status, ps, curl, undeploy, ...rest] = commands(block('use'));
    assert.equal(rest.length, 0, 'six commands in the block');
    const added = ok(add!, clone, env);
    assert.match(added, /synthetic/);
    ok(deploy!, clone, env); // exit 3 would mean stored but rejected (no accelerator)
    const replicas = await until(
      'the deployment running on the box',
      async () => {
        const v = await getJson<NodeView>(`${url}/v1/nodes/${nodeId}`);
        const r = v.replicas ?? [];
        return r.length > 0 && r.every((x) => x.state === 'running') ? r : undefined;
      },
      90_000,
      500,
    );
    const shown = ok(status!, clone, env);
    assert.match(shown, /cam-1/);
    assert.match(shown, /RTX 2080 Ti \(emulated\)/);
    assert.match(shown, /running/);
    const listed = ok(ps!, clone, env);
    for (const r of replicas) assert.ok(listed.includes(r.name), `docker ps lists ${r.name}:\n${listed}`);
    const frame = ok(curl!, clone, env);
    assert.ok(frame.length > 0, 'the frame came back');
    assert.doesNotMatch(frame, /"error"\s*:/, `the frame went through:\n${frame.slice(0, 500)}`);
    ok(undeploy!, clone, env);
    // Gone from the box and from Docker (the profiler's own containers may still be measuring the app; the
    // box's replica sandbox stays while the appliance runs, its replicas' namespace, not the deployment's).
    await until(
      'the replicas removed',
      async () => {
        const v = await getJson<NodeView>(`${url}/v1/nodes/${nodeId}`);
        const roles = docker('ps', '-a', '--filter', `label=rim.node=${nodeId}`, '--format', '{{.Label "rim.role"}}');
        const left = roles.split('\n').filter((r) => r && r !== 'profiling' && r !== 'sandbox');
        return (v.replicas ?? []).length === 0 && left.length === 0 ? true : undefined;
      },
      60_000,
      500,
    );
  });
});

describe('README test cluster, from the same clone', { timeout: 240_000 }, () => {
  const prefix = `rimreadme${process.pid % 100000}`;
  const env: NodeJS.ProcessEnv = { ...process.env, RIM_IMAGE_TAG: TAG, RIM_PREFIX: prefix };
  env.RIM_IMAGE = `rim/appliance:${TAG}`;
  for (const k of ['RIM_ADMIN_TOKEN', 'RIM_CLUSTER_TOKEN', 'RIM_URL', 'RIM_SUBNET', 'RIM_BOXES']) delete env[k];
  let why = '';
  let started = false;

  before(() => {
    // The README's RIM_URL line names the default subnet's first box: another network on it would clash.
    const subnets = docker('network', 'ls', '-q')
      .split('\n')
      .filter(Boolean)
      .map((id) => {
        try {
          return docker('network', 'inspect', '-f', '{{.Name}} {{range .IPAM.Config}}{{.Subnet}}{{end}}', id);
        } catch {
          return '';
        }
      });
    const clash = subnets.find((l) => l.endsWith(' 10.213.7.0/24'));
    if (clash) {
      why = `the README's test cluster uses 10.213.7.0/24, which network ${clash.split(' ')[0]} holds already`;
      if (process.env.RIM_REQUIRE_DOCKER === '1') throw new Error(`refusing to run: ${why}`);
      console.error(`readme: NOT RUNNING the test cluster: ${why}`);
    }
  });
  after(() => {
    if (started) quietly(() => sh('bash compose/down.sh', clone, env));
    const left = docker('ps', '-aq', '--filter', `label=rim.test-cluster=${prefix}`).split('\n').filter(Boolean);
    if (left.length) quietly(() => docker('rm', '-f', '-v', ...left));
    quietly(() => docker('network', 'rm', `${prefix}-test`));
  });

  it('starts three boxes, shows the status inside a box and from the host, and takes them down', async (t) => {
    if (why) return t.skip(why);
    assert.ok(cloned, 'the clone was made');
    const [up, inside, fromHost, down, ...rest] = commands(block('test-cluster'));
    assert.deepEqual(rest, []);
    started = true;
    ok(up!, clone, env, 180_000);
    const boxes = [1, 2, 3].map((i) => `${prefix}-box-${i}`);
    // A user waits for the boxes to find each other and elect a leader too.
    await until(
      'three alive members and a leader',
      async () => {
        const v = await getJson<{ leader: string | null; members: { state: string }[] }>(
          'http://10.213.7.11:7878/v1/cluster',
        );
        return v.leader && v.members.length === 3 && v.members.every((m) => m.state === 'alive') ? true : undefined;
      },
      120_000,
      1000,
    );
    const shownInside = ok(inside!, clone, env);
    for (const b of boxes) assert.match(shownInside, new RegExp(`${b}\\s+alive`));
    const shownFromHost = ok(fromHost!, clone, env);
    for (const b of boxes) assert.match(shownFromHost, new RegExp(`${b}\\s+alive`));
    assert.match(shownFromHost, /RTX 2080 Ti \(emulated\)/);
    const volumes = boxes.flatMap((b) =>
      (JSON.parse(docker('inspect', b))[0].Mounts as { Type: string; Name: string }[])
        .filter((m) => m.Type === 'volume')
        .map((m) => m.Name),
    );
    ok(down!, clone, env, 120_000);
    started = false;
    assert.equal(docker('ps', '-aq', '--filter', `label=rim.test-cluster=${prefix}`), '');
    assert.throws(() => docker('network', 'inspect', `${prefix}-test`));
    const left = docker('volume', 'ls', '-q')
      .split('\n')
      .filter((v) => volumes.includes(v));
    assert.deepEqual(left, [], "down.sh removed the boxes' volumes");
  });
});

describe('README `docker run` path, from the same clone', { timeout: 180_000 }, () => {
  const env: NodeJS.ProcessEnv = { ...process.env, RIM_IMAGE_TAG: TAG, RIM_CLUSTER_TOKEN: `readme-test-${TAG}-token` };
  delete env.RIM_ADMIN_TOKEN;
  delete env.RIM_URL;
  delete env.RIM_API_PORT;
  let created = '';
  let why = '';

  before(async () => {
    const taken = [
      spawnSync('docker', ['container', 'inspect', 'rim']).status === 0 && 'a container named `rim`',
      spawnSync('docker', ['volume', 'inspect', 'rim-data']).status === 0 && 'a volume named `rim-data`',
      (await portTaken(7878)) && 'port 7878 (something listens there)',
    ].filter(Boolean);
    if (taken.length) {
      why = `the README's docker run uses ${taken.join(', ')}, which exist(s) already and are not this test's`;
      if (process.env.RIM_REQUIRE_DOCKER === '1') throw new Error(`refusing to run: ${why}`);
      console.error(`readme: NOT RUNNING the docker run path: ${why}`);
    }
  });
  after(() => {
    if (created) {
      quietly(() => docker('rm', '-f', '-v', created));
      quietly(() => docker('volume', 'rm', 'rim-data'));
    }
    for (const image of IMAGES) quietly(() => docker('rmi', image));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the --gpus line parses: docker run takes each flag, and it runs the image the emulated line runs', () => {
    // Not run: this machine has no NVIDIA GPU (and the NVIDIA container toolkit).
    const [gpu, ...rest] = commands(block('docker-run-gpu'));
    assert.deepEqual(rest, []);
    const [emulated] = commands(block('docker-run-emulated'));
    const help = docker('run', '--help');
    const flags = [...gpu!.matchAll(/\s(--?[a-z][\w-]*)/g)].map((m) => m[1]!);
    assert.ok(flags.includes('--gpus'));
    for (const f of flags) assert.ok(help.includes(` ${f} `) || help.includes(` ${f},`), `docker run takes ${f}`);
    const image = (line: string) => line.trim().split(/\s+/).at(-1);
    assert.equal(image(gpu!), 'rim/appliance:${RIM_IMAGE_TAG:-latest}');
    assert.equal(image(gpu!), image(emulated!));
    const expanded = ok(`printf '%s\\n' ${image(gpu!)}`, root, env).trim();
    assert.equal(expanded, `rim/appliance:${TAG}`);
    assert.equal(docker('image', 'inspect', '-f', '{{.Id}}', expanded).startsWith('sha256:'), true);
  });

  it('runs the appliance in a container emulating a GPU; the host CLI gets its token as the README says', async (t) => {
    if (why) return t.skip(why);
    assert.ok(cloned, 'the clone was made');
    const [run, ...rest] = commands(block('docker-run-emulated'));
    assert.deepEqual(rest, []);
    created = ok(run!, clone, env).trim().split('\n').at(-1)!;
    assert.match(created, /^[0-9a-f]{64}$/);
    const health = await until(
      'http://127.0.0.1:7878/healthz from the container',
      async () => getJson<{ status: string; node: string }>('http://127.0.0.1:7878/healthz'),
      60_000,
      250,
    );
    assert.equal(health.status, 'alive');
    // With a cluster token the box first elects itself leader of its cluster (a user waits for it too).
    await until(
      'a leader in /v1/cluster',
      async () =>
        (await getJson<{ leader: string | null }>('http://127.0.0.1:7878/v1/cluster')).leader ? true : undefined,
      30_000,
      250,
    );
    // Both lines in one shell: the export carries to `npx rim status` (the clone's ./data/admin-token is another's).
    const shown = ok(block('docker-token'), clone, env);
    assert.match(shown, new RegExp(health.node));
    assert.match(shown, /RTX 2080 Ti \(emulated\)/);
  });
});
