/**
 * The appliance as an operator runs it (docs/design.md, "The appliance"):
 *   docker run -d --restart=always --network host -v /var/run/docker.sock:… -v <volume>:/data rim/appliance
 * It serves its API, runs an app's replicas through the Docker socket, ships
 * the `rim` CLI, and after kill -9 and a restart adopts the same replicas.
 * Its replicas run in its replica sandbox (its own image, found by the
 * appliance from inside its container), which the host network reaches:
 * frames are answered.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { ensureImages, IMAGE_TAGS } from '../support/images.js';
import { removeNodeDocker } from '../support/node-docker.js';
import { until } from '../support/until.js';

const ID = `t-app-${randomBytes(3).toString('hex')}`;
const NAME = `rim-${ID}`;
const VOLUME = `${NAME}-data`;
const TOKEN = randomBytes(16).toString('hex');
const FROM = 30000 + Math.floor(Math.random() * 20000);
let base = '';

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', timeout: 60_000 }).trim();
const replicaIds = (...filters: string[]) =>
  docker(
    'ps',
    '-aq',
    '--no-trunc',
    '--filter',
    `label=rim.node=${ID}`,
    '--filter',
    'label=rim.role=replica',
    ...filters,
  )
    .split('\n')
    .filter(Boolean)
    .sort();
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

const healthy = () =>
  until(
    'the appliance /healthz',
    async () => ((await fetch(`${base}/healthz`)).status === 200 ? true : undefined),
    60_000,
  );
const post = (path: string, body: unknown) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
  });

before(async () => {
  await ensureImages(['appliance', 'synthetic']);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  docker(
    'run',
    '-d',
    '--name',
    NAME,
    '--restart=always',
    '--network',
    'host',
    '-v',
    '/var/run/docker.sock:/var/run/docker.sock',
    '-v',
    `${VOLUME}:/data`,
    '-e',
    `RIM_API_PORT=${port}`,
    '-e',
    `RIM_NODE_ID=${ID}`,
    '-e',
    `RIM_ADMIN_TOKEN=${TOKEN}`,
    '-e',
    'RIM_ACCELERATORS_EMULATE=[{"model":"fake-t4","cpus":0.5}]',
    '-e',
    'RIM_ACCELERATORS_DETECT_GPUS=false',
    '-e',
    `RIM_PORTS_RANGE={"from":${FROM},"to":${FROM + 20}}`,
    '-e',
    'RIM_PROFILING_ENABLED=false',
    '-e',
    'RIM_CLUSTER_DISCOVERY_MDNS=false',
    '-e',
    'RIM_SUPERVISOR_POLL_INTERVAL=1s',
    IMAGE_TAGS.appliance,
  );
});
after(() => {
  try {
    docker('rm', '-f', '-v', NAME);
  } catch {
    /* already gone */
  }
  removeNodeDocker(ID); // its replicas, its sandbox and the sandbox's network
  try {
    docker('volume', 'rm', VOLUME);
  } catch {
    /* already gone */
  }
});

test(
  'the appliance image runs apps through the Docker socket and adopts them after kill -9',
  { timeout: 300_000 },
  async () => {
    await healthy();
    const c = JSON.parse(docker('inspect', NAME))[0];
    assert.equal(c.HostConfig.Privileged, false);
    assert.deepEqual(c.Mounts.map((m: { Destination: string }) => m.Destination).sort(), [
      '/data',
      '/var/run/docker.sock',
    ]);

    assert.equal((await post('/v1/apps', { image: IMAGE_TAGS.synthetic })).status, 201);
    const d = await post('/v1/deployments', { name: 'cam-1', app: 'synthetic', fps: 5, latencyMs: 500 });
    assert.ok(d.status < 300, `deploy answered ${d.status}: ${await d.text()}`);
    const running = await until(
      '3 running replicas',
      async () => {
        const ids = replicaIds('--filter', 'status=running');
        return ids.length === 3 ? ids : undefined;
      },
      60_000,
    );

    // The sandbox runs the appliance's own image (found from inside its container); the host reaches it: frames flow.
    const sandbox = JSON.parse(docker('inspect', `rim-sandbox-${ID}`))[0];
    assert.equal(sandbox.Image, c.Image, "the sandbox runs the appliance's image");
    assert.deepEqual(Object.keys(sandbox.NetworkSettings.Networks), [`rim-replicas-${ID}`]);
    for (const id of running)
      assert.equal(docker('inspect', '-f', '{{.HostConfig.NetworkMode}}', id), `container:${sandbox.Id}`);
    await until(
      'a frame answered through the sandbox',
      async () => {
        const r = await fetch(`${base}/v1/deployments/cam-1/frames`, {
          method: 'POST',
          body: 'frame',
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        await r.arrayBuffer();
        return r.status === 200 ? true : undefined;
      },
      60_000,
      500,
    );

    // The rim CLI ships in the image and talks to the local appliance.
    const apps = JSON.parse(
      docker('exec', '-e', `RIM_URL=${base}`, '-e', `RIM_ADMIN_TOKEN=${TOKEN}`, NAME, 'rim', 'apps', 'ls', '--json'),
    );
    assert.ok(JSON.stringify(apps).includes('synthetic'));

    // kill -9, then up again (as the restart policy or a reboot would; starting a running container is a no-op).
    docker('kill', '-s', 'KILL', NAME);
    docker('start', NAME);
    await healthy();
    // Absence is the point: a few supervisor rounds pass and no container is duplicated.
    await new Promise((r) => setTimeout(r, 3000));
    assert.deepEqual(replicaIds(), running, 'the same containers, none duplicated');
    assert.deepEqual(replicaIds('--filter', 'status=running'), running);
  },
);
