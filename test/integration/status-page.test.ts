/**
 * The status page in a real browser (Debian's Chromium through playwright-core)
 * against a real appliance on a real Docker engine with frames flowing: the SLO
 * view tells a met stream from a missed one, a deployment added through the
 * form shows with its replicas, a killed replica shows as restarted in the
 * timeline, and with closed reads the page asks for the token and then works.
 * Screenshots of each view go to test/artifacts/.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureImages, IMAGE_TAGS, SANDBOX_IMAGE } from '../support/images.js';
import { removeNodeDocker } from '../support/node-docker.js';

const node = `status-page-test-${process.pid}`;
const artifacts = join(process.cwd(), 'test', 'artifacts');
const started: { proc: ChildProcess; dataDir: string }[] = [];
let browser: Browser | undefined;
let base = '';
let token = '';
let feeding = true;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
/** The node's replicas (not its replica sandbox). */
const containers = (n: string) =>
  execFileSync('docker', ['ps', '-aq', '--filter', `label=rim.node=${n}`, '--filter', 'label=rim.role=replica'])
    .toString()
    .split('\n')
    .filter(Boolean);
const cleanup = () => {
  for (const n of [node, `${node}-closed`]) removeNodeDocker(n);
};

async function startAppliance(id: string, env: Record<string, string> = {}) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'rim-page-'));
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      RIM_API_PORT: String(port),
      RIM_API_HOST: '127.0.0.1',
      RIM_DATA_DIR: dataDir,
      RIM_NODE_ID: id,
      RIM_LOG_LEVEL: 'warn',
      RIM_ACCELERATORS_EMULATE: JSON.stringify([{ model: 'RTX 2080 Ti', cpus: 1 }]),
      RIM_CLUSTER_DISCOVERY_MDNS: 'false',
      RIM_PROFILING_ENABLED: 'false',
      RIM_DOCKER_SANDBOX_IMAGE: SANDBOX_IMAGE,
      RIM_SUPERVISOR_POLL_INTERVAL: '1s',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  started.push({ proc, dataDir });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    if (
      await fetch(url + '/healthz').then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim() };
}

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

/** Frames at `fps` to a deployment until the test ends (answers are not awaited in order). */
async function feed(name: string, fps: number) {
  while (feeding) {
    void fetch(`${base}/v1/deployments/${name}/frames`, {
      method: 'POST',
      body: Buffer.alloc(1024),
      headers: { 'content-type': 'application/octet-stream' },
      signal: AbortSignal.timeout(30_000),
    }).then(
      (r) => r.arrayBuffer(),
      () => undefined,
    );
    await new Promise((r) => setTimeout(r, 1000 / fps));
  }
}

const shot = (page: Page, view: string) =>
  page.locator(`#${view}`).screenshot({ path: join(artifacts, `status-page-${view}.png`) });
const textOf = (page: Page, sel: string) => page.locator(sel).innerText();
const waitText = (page: Page, sel: string, re: RegExp, timeout = 30_000) =>
  page.waitForFunction(
    ([s, src]) => new RegExp(src as string, 's').test(document.querySelector(s as string)?.textContent ?? ''),
    [sel, re.source],
    { timeout },
  );

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  await ensureImages(['synthetic']);
  ({ url: base, token } = await startAppliance(node));
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
  feeding = false;
  await browser?.close();
  for (const s of started) s.proc.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1000));
  cleanup();
  for (const s of started) rmSync(s.dataDir, { recursive: true, force: true });
});

test('SLO view, placement, form deploy, restart in the timeline, live updates', { timeout: 360_000 }, async () => {
  await api('POST', '/v1/apps', { image: IMAGE_TAGS.synthetic });
  // Met: one frame a second with a generous target (the test box may be loaded).
  await api('POST', '/v1/deployments', { name: 'cam-ok', app: 'synthetic', fps: 1, latencyMs: 15_000 });
  // Overloaded: each frame needs ~46 ms of CPU (more on a slice of a core); 20 ms is out of reach.
  await api('POST', '/v1/deployments', { name: 'cam-over', app: 'synthetic', fps: 1, latencyMs: 20 });
  const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(base + '/');
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
  assert.match(await textOf(page, '#summary'), new RegExp(`leader ${node}`));
  assert.match(await textOf(page, '#placement'), /RTX 2080 Ti.*emulated/s);
  // Deployments of one app share its replicas: decode, detect and track.
  await waitText(page, '#replicas', /running.*running.*running/, 90_000);
  void feed('cam-ok', 1);
  void feed('cam-over', 1);
  const sloIs = (name: string, slo: string) =>
    page
      .waitForSelector(`#slo-rows tr[data-deployment="${name}"][data-slo="${slo}"]`, { timeout: 120_000 })
      .catch(async (e: Error) => {
        throw new Error(
          `${name} not ${slo}: ${await textOf(page, '#slo-view')} ${JSON.stringify(
            await api('GET', `/v1/deployments/${name}`),
          )} (${e.message})`,
        );
      });
  await sloIs('cam-ok', 'met');
  await sloIs('cam-over', 'missed');
  assert.equal(await page.textContent('#live'), 'live');
  assert.match(await textOf(page, '#slo-summary'), /1 met .* 1 missed/);
  assert.ok((await page.locator('#slo-rows tr[data-deployment="cam-ok"] canvas').count()) >= 2, 'sparklines drawn');
  assert.match(await textOf(page, '#placement'), /measured \(CPU\) \d+%/);
  await page.click('#slo-rows tr[data-deployment="cam-ok"] button');
  assert.match(await textOf(page, '#dag'), /cam-ok: decode @ .* → detect @ .* → track @/);
  assert.ok((await page.locator('.chip.hl[data-deployment="cam-ok"]').count()) >= 3, 'its DAG highlighted');
  await new Promise((r) => setTimeout(r, 6000)); // a few sparkline points
  await shot(page, 'slo-view');
  await shot(page, 'placement-view');
  await page.screenshot({ path: join(artifacts, 'status-page.png'), fullPage: false });

  // Read-only without the token; with it, a deployment through the form shows with its replicas.
  assert.equal(await page.locator('#deploy button').isDisabled(), true, 'read-only without the token');
  await page.fill('#token', token);
  await page.click('#token-form button');
  await page.fill('#add-app-image', 'rim/not-an-image:nope');
  await page.click('#add-app button');
  await waitText(page, '#add-app .form-status', /\w/, 15_000);
  await page.selectOption('#deploy-app', 'synthetic');
  assert.equal(await page.inputValue('#deploy-fps'), '10', 'the app default filled in');
  await page.fill('#deploy-name', 'cam-form');
  await page.fill('#deploy-fps', '1');
  await page.click('#deploy button');
  await waitText(page, '#deploy .form-status', /cam-form added/, 15_000);
  await page.waitForSelector('#slo-rows tr[data-deployment="cam-form"]', { timeout: 15_000 });
  await page.waitForFunction(() => document.querySelectorAll('.chip[data-deployment="cam-form"]').length >= 3, null, {
    timeout: 30_000,
  });
  await shot(page, 'actions-view');

  // A killed replica restarts and the timeline says so.
  const victim = containers(node).find(
    (id) => execFileSync('docker', ['inspect', '-f', '{{.State.Running}}', id]).toString().trim() === 'true',
  );
  assert.ok(victim, 'a running replica to kill');
  execFileSync('docker', ['kill', victim], { stdio: 'ignore' });
  await waitText(page, '#events', /restarted/, 60_000);
  await page.selectOption('#events-box', node);
  assert.match(await textOf(page, '#events'), /restarted/);
  await shot(page, 'events-view');
  await shot(page, 'profiles-view');
  assert.deepEqual(errors, []);
});

test('with closed reads the page asks for the token, then shows the cluster', { timeout: 60_000 }, async () => {
  const closed = await startAppliance(`${node}-closed`, { RIM_API_OPEN_READS: 'false' });
  assert.equal((await fetch(closed.url + '/v1/cluster')).status, 401, 'reads are closed');
  const page = await browser!.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(closed.url + '/');
  await page.waitForSelector('#locked:not([hidden])', { timeout: 15_000 });
  await page.fill('#token', closed.token);
  await page.click('#token-form button');
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
  assert.equal(await page.locator('#locked').isHidden(), true);
  assert.match(await textOf(page, '#summary'), new RegExp(`leader ${node}-closed`));
  await page.waitForFunction(() => document.querySelector('#live')?.textContent === 'live', null, { timeout: 10_000 });
  assert.deepEqual(errors, []);
});
