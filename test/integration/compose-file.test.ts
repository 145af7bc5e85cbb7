/**
 * compose/docker-compose.yml, run by Debian's docker-compose under a project
 * and prefix of its own, brings up the cluster compose/up.sh does: three
 * boxes on their own internal network, one emulated GPU model each, that
 * form one cluster with one leader; `down -v` leaves nothing behind. And
 * the scripts touch only what is theirs: up.sh refuses a same-named
 * container without its label, down.sh leaves a same-named network alone.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ensureImages, IMAGE_TAGS } from '../support/images.js';
import { until } from '../support/until.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const docker = (...args: string[]) =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).trim();

const hasCompose = (() => {
  try {
    execFileSync('docker-compose', ['version'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
})();
const noCompose =
  !hasCompose && process.env.RIM_REQUIRE_DOCKER !== '1'
    ? 'docker-compose is not installed (apt-get install docker-compose)'
    : false;

/** GET a box's API from inside the box (the network is internal). */
const inside = (box: string, path: string) =>
  new Promise<string>((resolve, reject) => {
    execFile(
      'docker',
      [
        'exec',
        box,
        'node',
        '-e',
        `fetch('http://127.0.0.1:7878${path}',{signal:AbortSignal.timeout(3000)})` +
          '.then(r=>r.text()).then(t=>process.stdout.write(t))',
      ],
      { timeout: 15_000 },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
  });

interface ClusterView {
  leader: string | null;
  term: number;
  members: { id: string; state: string }[];
}
interface NodeView {
  id: string;
  accelerators: { model: string; emulated?: boolean }[];
}

describe('compose/docker-compose.yml', { timeout: 300_000, skip: noCompose }, () => {
  const prefix = `rimcf${process.pid % 10000}`;
  const netBase = `10.215.${20 + (process.pid % 200)}`;
  const boxes = [1, 2, 3].map((i) => `${prefix}-box-${i}`);
  const env = {
    ...process.env,
    RIM_PREFIX: prefix,
    RIM_NET_BASE: netBase,
    RIM_IMAGE: IMAGE_TAGS.appliance,
    RIM_CLUSTER_TOKEN: 'rim-compose-test-cluster-token',
    RIM_ADMIN_TOKEN: 'rim-compose-test-admin-token',
  };
  const compose = (...args: string[]) =>
    execFileSync('docker-compose', ['-p', prefix, '-f', 'compose/docker-compose.yml', ...args], {
      cwd: root,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 180_000,
    });
  const volumes: string[] = [];

  before(async () => {
    if (!hasCompose) {
      throw new Error('RIM_REQUIRE_DOCKER=1 and docker-compose is not installed (apt-get install docker-compose)');
    }
    await ensureImages(['base', 'appliance']);
    compose('up', '-d');
  });
  after(() => {
    try {
      compose('down', '-v', '--remove-orphans');
    } catch (e) {
      console.error(`compose down failed: ${(e as Error).message}`);
    }
    // Whatever `down` missed (a failed `up`), by this run's own label only.
    const left = docker('ps', '-aq', '--filter', `label=rim.test-cluster=${prefix}`).split('\n').filter(Boolean);
    if (left.length) docker('rm', '-f', '-v', ...left);
    try {
      docker('network', 'rm', `${prefix}-test`);
    } catch {
      /* gone */
    }
  });

  it('brings up three boxes on their own internal network, labelled as up.sh labels them', () => {
    for (const [i, box] of boxes.entries()) {
      const c = JSON.parse(docker('inspect', box))[0];
      assert.equal(c.Config.Labels['rim.test-cluster'], prefix);
      assert.equal(c.Config.Labels['rim.box'], box);
      assert.equal(c.Config.Image, IMAGE_TAGS.appliance);
      assert.equal(c.NetworkSettings.Networks[`${prefix}-test`].IPAMConfig.IPv4Address, `${netBase}.${11 + i}`);
      assert.ok(c.Config.Env.includes(`RIM_NODE_ID=${box}`));
      assert.ok(!c.Config.Env.some((e: string) => e.startsWith('RIM_DOCKER_NETWORK_MODE=')), 'replicas: a sandbox');
      assert.ok(c.Config.Env.includes('RIM_CLUSTER_DISCOVERY_INTERFACE=eth0'));
      const mounts = c.Mounts as { Type: string; Name: string }[];
      volumes.push(...mounts.filter((m) => m.Type === 'volume').map((m) => m.Name));
    }
    const net = JSON.parse(docker('network', 'inspect', `${prefix}-test`))[0];
    assert.equal(net.Internal, true);
    assert.equal(net.Labels['rim.test-cluster'], prefix);
    assert.equal(net.IPAM.Config[0].Subnet, `${netBase}.0/24`);
  });

  it('forms one cluster of the three boxes with one leader', async () => {
    const view = await until(
      'three alive members and a leader in /v1/cluster',
      async () => {
        const v = JSON.parse(await inside(boxes[0]!, '/v1/cluster')) as ClusterView;
        return v.leader && v.members.length === 3 && v.members.every((m) => m.state === 'alive') ? v : undefined;
      },
      120_000,
      1000,
    );
    assert.deepEqual(view.members.map((m) => m.id).sort(), boxes);
    assert.ok(boxes.includes(view.leader!));
    for (const box of boxes.slice(1)) {
      const other = JSON.parse(await inside(box, '/v1/cluster')) as ClusterView;
      assert.equal(other.leader, view.leader, `${box} agrees on the leader`);
    }
  });

  it('gives each box the emulated GPU model up.sh gives it', async () => {
    const models = ['RTX 2080 Ti', 'GTX 1080 Ti', 'GTX 1080'];
    for (const [i, box] of boxes.entries()) {
      const self = JSON.parse(await inside(box, `/v1/nodes/${box}`)) as NodeView;
      assert.deepEqual(
        self.accelerators.map((a) => [a.model, a.emulated]),
        [[models[i], true]],
        box,
      );
    }
  });

  it('`down -v` removes the boxes, their volumes and the network', () => {
    assert.equal(volumes.length, 3, 'each box has its anonymous /data volume');
    compose('down', '-v');
    assert.equal(docker('ps', '-aq', '--filter', `label=rim.test-cluster=${prefix}`), '');
    assert.throws(() => docker('network', 'inspect', `${prefix}-test`));
    const left = docker('volume', 'ls', '-q')
      .split('\n')
      .filter((v) => volumes.includes(v));
    assert.deepEqual(left, []);
  });
});

describe('compose/up.sh and down.sh touch only their own cluster', { timeout: 120_000 }, () => {
  const prefix = `rimown${process.pid % 10000}`;
  const env = {
    ...process.env,
    RIM_PREFIX: prefix,
    RIM_IMAGE: IMAGE_TAGS.appliance,
    RIM_SUBNET: `10.217.${20 + (process.pid % 200)}.0/24`,
  };
  const script = (name: string) => {
    try {
      const out = execFileSync('bash', [`compose/${name}`], {
        cwd: root,
        env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 60_000,
      });
      return { code: 0, stderr: out };
    } catch (e) {
      const err = e as { status: number; stderr: string };
      return { code: err.status, stderr: err.stderr };
    }
  };
  const stranger = `${prefix}-box-2`;
  before(async () => {
    await ensureImages(['base', 'appliance']);
  });
  after(() => {
    try {
      docker('rm', '-f', '-v', stranger);
    } catch {
      /* gone */
    }
    try {
      docker('network', 'rm', `${prefix}-test`);
    } catch {
      /* gone */
    }
  });

  it('up.sh refuses a same-named container without its label and removes nothing', () => {
    docker('create', '--name', stranger, IMAGE_TAGS.base, 'true');
    const r = script('up.sh');
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`container named ${stranger} exists and is not part of test cluster ${prefix} `));
    assert.equal(docker('ps', '-aq', '--filter', `name=^${stranger}$`).length > 0, true, 'the stranger is still there');
    assert.equal(docker('ps', '-aq', '--filter', `label=rim.test-cluster=${prefix}`), '', 'no box was started');
    docker('rm', '-f', '-v', stranger);
  });

  it('down.sh leaves a same-named network without its label alone', () => {
    docker('network', 'create', '--internal', `${prefix}-test`);
    const r = script('down.sh');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotThrow(() => docker('network', 'inspect', `${prefix}-test`));
    const up = script('up.sh');
    assert.equal(up.code, 1, 'up.sh refuses the foreign network too');
    assert.match(up.stderr, /a network named .* exists and is not part of test cluster/);
  });
});
