/**
 * The profiler inside the appliance, end to end: an app registered through
 * the API is profiled on this box (its profiling replica is removed after),
 * the figures show in GET /v1/profiles and `rim profiles ls`, and the plan
 * moves from the stand-in to the placement engine once they exist.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { ensureImages, IMAGE_TAGS } from '../support/images.js';
import {
  freePort,
  readToken,
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

const node = `t-prof-e2e-${process.pid}`;
const dataDir = tempDir('rim-prof-e2e-');
let p: ApplianceProcess;
let env: Record<string, string>;
let token = '';

async function call(method: string, path: string, body?: unknown) {
  const r = await fetch(p.base + path, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as any };
}

before(async () => {
  await ensureImages(['noop']);
  const port = await freePort();
  const from = 21000 + (process.pid % 200) * 20;
  env = {
    RIM_API_PORT: String(port),
    RIM_API_HOST: '127.0.0.1',
    RIM_DATA_DIR: dataDir,
    RIM_NODE_ID: node,
    RIM_LOG_LEVEL: 'warn',
    RIM_PROFILING_ENABLED: 'true',
    RIM_PORTS_RANGE: JSON.stringify({ from, to: from + 19 }),
  };
  p = spawnAppliance(env);
  await waitHealthy(p);
  token = readToken(dataDir);
});

after(async () => {
  if (p) await stopAppliance(p);
  removeContainersOf(node);
  removeDir(dataDir);
});

test('an app is profiled on this box, the profiles are served, and the plan then uses them', async () => {
  assert.equal((await call('POST', '/v1/apps', { image: IMAGE_TAGS.noop })).status, 201);
  const d = await call('POST', '/v1/deployments', { name: 'ping', app: 'noop', fps: 20, latencyMs: 500 });
  assert.equal(d.body.state, 'admitted');
  // Before any profile the stand-in places it.
  assert.match((await call('GET', '/v1/plan')).body.strategy, /stand-in/);

  const refresh = await call('POST', '/v1/profiles/refresh', { apps: ['noop'] });
  assert.equal(refresh.status, 202, JSON.stringify(refresh.body));
  const unauth = await fetch(`${p.base}/v1/profiles/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(unauth.status, 401);

  const profiles = await waitFor(
    async () => {
      const list = (await call('GET', '/v1/profiles')).body as any[];
      const ok = list.filter((x) => x.app === 'noop' && x.state === 'ok');
      return ok.some((x) => x.module === 'noop') && ok.some((x) => x.module === '*') ? ok : undefined;
    },
    'noop profiled (module and whole app)',
    180_000,
  );
  const mod = profiles.find((x: any) => x.module === 'noop');
  assert.equal(mod.accelerator, 'cpu');
  assert.ok(mod.maxFps > 50, `a no-op module sustains well over 50 fps (measured ${mod.maxFps})`);
  assert.ok(mod.latencyMs > 0 && mod.latencyMs < 100, `light-load latency ${mod.latencyMs} ms`);
  assert.match(mod.digest, /^sha256:/);

  const ls = await rim(['profiles', 'ls'], { RIM_URL: p.base, RIM_ADMIN_TOKEN: token });
  assert.equal(ls.code, 0, ls.stderr);
  assert.match(ls.stdout, /noop/);
  // Everything is measured now: a refresh of what is missing finds nothing to do.
  const again = await rim(['profiles', 'refresh', 'noop', '--missing-only'], {
    RIM_URL: p.base,
    RIM_ADMIN_TOKEN: token,
  });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /nothing to profile/);

  // With figures to size it, the placement engine plans the deployment.
  const plan = await waitFor(
    async () => {
      const pl = (await call('GET', '/v1/plan')).body;
      return /^rim/.test(pl.strategy) && !/stand-in/.test(pl.strategy) ? pl : undefined;
    },
    'a plan from the placement engine',
    30_000,
  );
  assert.ok(
    plan.placements.some((x: any) => x.deployment === 'ping' && x.module === 'noop'),
    JSON.stringify(plan),
  );

  // The profiling replica is gone; the deployment's replica runs.
  await waitFor(
    async () => {
      const prof = execFileSync('docker', [
        'ps',
        '-aq',
        '--filter',
        `label=rim.node=${node}`,
        '--filter',
        'label=rim.role=profiling',
      ])
        .toString()
        .trim();
      return prof === '' || undefined;
    },
    'no profiling container left',
    30_000,
  );
});
