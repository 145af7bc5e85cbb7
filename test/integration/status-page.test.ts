/**
 * The status page in a real browser (Debian's Chromium through playwright-core)
 * against a real appliance on a real Docker engine: it shows the cluster, the
 * emulated accelerator, the replicas, and redraws live when a deployment goes.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { ensureImages, IMAGE_TAGS } from '../support/images.js';

const node = `status-page-test-${process.pid}`;
const dataDir = mkdtempSync(join(tmpdir(), 'rim-page-'));
let appliance: ChildProcess | undefined;
let browser: Browser | undefined;
let base = '';
let token = '';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
const cleanup = () => {
  const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=rim.node=${node}`])
    .toString()
    .split('\n')
    .filter(Boolean);
  if (ids.length) execFileSync('docker', ['rm', '-f', '-v', ...ids], { stdio: 'ignore' });
};
async function api(method: string, path: string, body?: unknown) {
  const r = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await r.json();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

before(async () => {
  await ensureImages(['synthetic']);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  appliance = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      RIM_API_PORT: String(port),
      RIM_API_HOST: '127.0.0.1',
      RIM_DATA_DIR: dataDir,
      RIM_NODE_ID: node,
      RIM_LOG_LEVEL: 'warn',
      RIM_ACCELERATORS_EMULATE: JSON.stringify([{ model: 'RTX 2080 Ti', cpus: 0.5 }]),
      RIM_CLUSTER_DISCOVERY_MDNS: 'false',
      RIM_PROFILING_ENABLED: 'false',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(base + '/healthz').then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const tokenFile = ['admin-token', 'admin.token', 'admin-token.txt'].map((f) => join(dataDir, f)).find(existsSync);
  assert.ok(tokenFile, 'the appliance keeps its admin token in the data dir');
  token = readFileSync(tokenFile, 'utf8').trim();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  appliance?.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

test('the page shows the box, its emulated accelerator and replicas, and follows changes live', async () => {
  await api('POST', '/v1/apps', { image: IMAGE_TAGS.synthetic });
  await api('POST', '/v1/deployments', { name: 'cam-1', app: 'synthetic', fps: 5, latencyMs: 1000 });
  const page = await browser!.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(base + '/');
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
  assert.match((await page.textContent('#summary')) ?? '', new RegExp(`leader ${node}`));
  assert.match((await page.textContent('#nodes')) ?? '', /RTX 2080 Ti.*emulated/s);
  assert.match((await page.textContent('#deployments')) ?? '', /cam-1/);
  assert.match((await page.textContent('#apps')) ?? '', /synthetic/);
  // Replicas come up behind the API; the page learns of them through the event stream.
  await page.waitForFunction(() => /running/.test(document.querySelector('#replicas')?.textContent ?? ''), null, {
    timeout: 30_000,
  });
  assert.equal(await page.textContent('#live'), 'live');
  if (process.env.RIM_PAGE_SCREENSHOT) await page.screenshot({ path: process.env.RIM_PAGE_SCREENSHOT, fullPage: true });

  const heardBefore = Number(await page.evaluate(() => document.body.dataset.events ?? '0'));
  await api('DELETE', '/v1/deployments/cam-1');
  // No reload: the server-sent event reaches the page and redraws the table.
  await page.waitForFunction((n) => Number(document.body.dataset.events ?? '0') > n, heardBefore, { timeout: 10_000 });
  await page.waitForFunction(() => !/cam-1/.test(document.querySelector('#deployments')?.textContent ?? ''), null, {
    timeout: 10_000,
  });
  assert.deepEqual(errors, []);
  if (process.env.RIM_PAGE_SCREENSHOT) await page.screenshot({ path: process.env.RIM_PAGE_SCREENSHOT, fullPage: true });
});
