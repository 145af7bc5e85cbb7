/**
 * The appliance process itself: a bad config stops it with exit 2 naming the
 * key; without a Docker engine it still starts, serves and says so; SIGTERM
 * stops it with exit 0.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  freePort,
  removeDir,
  rim,
  spawnAppliance,
  stopAppliance,
  tempDir,
  waitFor,
  waitHealthy,
  type ApplianceProcess,
} from './appliance-process.js';
import { IMAGE_TAGS } from '../support/images.js';

describe('appliance process: config errors, no Docker, shutdown', () => {
  const dirs: string[] = [];
  let p: ApplianceProcess | undefined;
  after(async () => {
    await stopAppliance(p);
    dirs.forEach(removeDir);
  });

  it('exits 2 naming the key when a config value is bad', async () => {
    const dataDir = tempDir('rim-cfg-');
    dirs.push(dataDir);
    const bad = spawnAppliance({ RIM_API_PORT: 'abc', RIM_DATA_DIR: dataDir });
    assert.equal(await bad.exited, 2);
    assert.match(bad.stderr(), /config: RIM_API_PORT \(api\.port\): expected a number 1–65535, got "abc"/);
    const strategy = spawnAppliance({ RIM_API_PORT: '7000', RIM_PLACEMENT_STRATEGY: 'magic', RIM_DATA_DIR: dataDir });
    assert.equal(await strategy.exited, 2);
    assert.match(strategy.stderr(), /RIM_PLACEMENT_STRATEGY \(placement\.strategy\)/);
  });

  it('starts and serves without a Docker engine, saying clearly that Docker is unreachable', async () => {
    const dataDir = tempDir('rim-nodocker-');
    dirs.push(dataDir);
    const port = await freePort();
    p = spawnAppliance({
      RIM_API_PORT: String(port),
      RIM_API_HOST: '127.0.0.1',
      RIM_DATA_DIR: dataDir,
      RIM_NODE_ID: `nodocker-${process.pid}`,
      RIM_DOCKER_SOCKET_PATH: '/nonexistent/docker.sock',
    });
    await waitHealthy(p);
    const ready = await waitFor(
      async () => {
        const r = await fetch(`${p!.base}/readyz`);
        const body = (await r.json()) as { ready: boolean; docker: { reachable: boolean; status: string } };
        return r.status === 200 && body.docker.status !== 'docker: not checked yet' ? body : undefined;
      },
      'readyz with a docker status',
      15_000,
    );
    assert.equal(ready.docker.reachable, false);
    assert.match(ready.docker.status, /docker unreachable/);
    const node = (await (await fetch(`${p.base}/v1/nodes/nodocker-${process.pid}`)).json()) as {
      docker: { status: string };
    };
    assert.match(node.docker.status, /docker unreachable/);
    await waitFor(
      async () => /"docker":"unreachable".*docker unreachable/.test(p!.stdout()),
      'a log line saying docker is unreachable',
      5000,
    );

    const env = { RIM_URL: p.base, RIM_DATA_DIR: dataDir };
    const add = await rim(['apps', 'add', IMAGE_TAGS.noop], env);
    assert.equal(add.code, 1);
    assert.match(add.stderr, /^error: docker-unreachable: /);
    const status = await rim(['status'], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /docker unreachable/);
  });

  it('stops on SIGTERM with exit 0', async () => {
    assert.ok(p);
    assert.equal(await stopAppliance(p), 0);
    assert.match(p.stdout(), /SIGTERM: shutting down/);
  });
});
