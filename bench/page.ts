/**
 * bench:page: the status page in headless Chromium against the page's real
 * routes (statusPageRoutes) and a stub /v1 of a 3-box cluster with N generated
 * deployments (default 200), their figures moving on every read. Measures
 * first paint and first full draw, the page weight (gzipped, as served),
 * the longest main-thread task while it redraws, and how long a click on a
 * deployment takes to repaint. Targets: first paint < 1 s, < 300 KB, responsive.
 *
 *   npm run bench:page [-- --deployments 200] [-- --seconds 12] [-- --screenshot file.png]
 *
 * With `--url URL` it measures a running appliance instead (the 3-box test
 * cluster: `--url http://10.213.7.11:7878/`): first paint, first full draw and
 * the longest task; the clicks need the generated deployments and are skipped.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { chromium } from 'playwright-core';
import { loadAssets, statusPageRoutes } from '../src/api/status-page/status-page.js';

const args = process.argv.slice(2);
const opt = (name: string, d: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1]! : d);
const N = Number(opt('deployments', '200'));
const SECONDS = Number(opt('seconds', '12'));
const BOXES = ['box-1', 'box-2', 'box-3'];
const MODULES = ['decode', 'detect', 'track'];

const deployments = Array.from({ length: N }, (_, i) => ({
  name: `cam-${i}`,
  app: 'synthetic',
  fps: 5 + (i % 10),
  latencyMs: 200 + (i % 5) * 100,
  priority: 0,
}));
const placements = deployments.flatMap((d, i) =>
  MODULES.map((m, j) => ({
    deployment: d.name,
    module: m,
    node: BOXES[(i + j) % 3]!,
    accelerator: m === 'detect' ? 'emu0' : 'cpu',
    fps: d.fps,
  })),
);
const view = (d: (typeof deployments)[number], i: number) => {
  const wobble = Math.sin(Date.now() / 5000 + i);
  const fps = d.fps * (i % 7 === 0 ? 0.6 : 0.98 + 0.02 * wobble);
  return {
    ...d,
    state: 'admitted',
    placement: placements.filter((p) => p.deployment === d.name),
    latencyEstimateMs: 90,
    measured: {
      fps,
      inputFps: d.fps,
      latencyMs: { p50: 60, p95: 80 + 20 * wobble, p99: 100 + 30 * wobble },
      slo: i % 7 === 0 ? 'violated' : 'met',
    },
  };
};
const node = (id: string) => ({
  id,
  address: `${id}:7878`,
  state: 'alive',
  cpus: 8,
  memoryMB: 16384,
  accelerators: [{ id: 'emu0', model: 'RTX 2080 Ti', memoryMB: 11264, emulated: true, cpus: 1 }],
  utilisation: { emu0: { ratio: 0.6, source: 'cpu-share' }, cpu: { ratio: 0.3, source: 'cpu-share' } },
  replicas: MODULES.map((m, j) => ({
    name: `r-${id}-${j}`,
    app: 'synthetic',
    module: m,
    variant: 'default',
    accelerator: m === 'detect' ? 'emu0' : 'cpu',
    port: 20000 + j,
    state: 'running',
    restarts: 0,
  })),
});

const app = express();
app.get('/v1/cluster', (_q, s) => {
  s.json({
    name: 'bench',
    leader: 'box-1',
    term: 3,
    version: 42,
    members: BOXES.map((id, i) => ({ id, address: `${id}:7878`, state: 'alive', self: i === 0 })),
  });
});
app.get('/v1/nodes', (_q, s) => {
  s.json(BOXES.map(node));
});
app.get('/v1/nodes/:id', (q, s) => {
  s.json(node(q.params.id));
});
app.get('/v1/apps', (_q, s) => {
  s.json([
    {
      name: 'synthetic',
      image: 'rim/sample-synthetic:latest',
      defaults: { fps: 10 },
      modules: MODULES.map((m) => ({ name: m, accelerator: m === 'detect' ? 'gpu' : 'cpu' })),
    },
  ]);
});
app.get('/v1/deployments', (_q, s) => {
  s.json(deployments.map(view));
});
app.get('/v1/deployments/:name', (q, s) => {
  const i = deployments.findIndex((d) => d.name === q.params.name);
  s.json(view(deployments[i]!, i));
});
app.get('/v1/plan', (_q, s) => {
  s.json({ strategy: 'rim', placements, rejected: [], latencyMs: {}, utilisation: {} });
});
app.get('/v1/profiles', (_q, s) => {
  s.json(
    MODULES.map((m) => ({
      app: 'synthetic',
      module: m,
      accelerator: 'RTX 2080 Ti',
      maxFps: 50,
      latencyMs: 20,
      state: 'ok',
    })),
  );
});
app.get('/v1/events', (_q, s) => {
  s.writeHead(200, { 'content-type': 'text/event-stream' });
  s.write(': bench\n\n');
  const t = setInterval(
    () =>
      s.write(
        `event: plan\ndata: ${JSON.stringify({
          type: 'plan',
          action: 'updated',
          data: { placements: placements.length, rejected: [] },
          at: Date.now(),
        })}\n\n`,
      ),
    1000,
  );
  s.on('close', () => clearInterval(t));
});
app.use(statusPageRoutes());
const server = http.createServer(app);
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
const target = opt('url', '');
const url = target || `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

const assets = loadAssets();
const weight = [...assets.values()].reduce((n, a) => n + a.gzip.length, 0);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
await page.addInitScript(() => {
  (window as unknown as { longest: number }).longest = 0;
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) {
      const w = window as unknown as { longest: number };
      w.longest = Math.max(w.longest, e.duration);
    }
  }).observe({ type: 'longtask', buffered: true });
});
const t0 = Date.now();
await page.goto(url);
await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
const readyMs = Date.now() - t0;
const paint = await page.evaluate(() => performance.getEntriesByType('paint').map((e) => [e.name, e.startTime]));
const firstPaint = Math.round(Number(new Map(paint as [string, number][]).get('first-contentful-paint') ?? NaN));
await page.evaluate(() => {
  (window as unknown as { longest: number }).longest = 0;
});
await new Promise((r) => setTimeout(r, SECONDS * 1000));
const longestTask = Math.round(await page.evaluate(() => (window as unknown as { longest: number }).longest));
const clicks: number[] = [];
for (let i = 0; i < (target ? 0 : 5); i++) {
  clicks.push(
    await page.evaluate(async (n) => {
      const t = performance.now();
      (document.querySelector(`#slo-rows tr[data-deployment="cam-${n}"] button`) as HTMLButtonElement).click();
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      return performance.now() - t;
    }, i * 37),
  );
}
const rows = await page.locator('#slo-rows tr').count();
const screenshot = opt('screenshot', '');
if (screenshot) await page.screenshot({ path: screenshot });
await browser.close();
server.close();

const result = {
  against: target || 'stub API of a 3-box cluster',
  deployments: target ? undefined : N,
  rows,
  firstContentfulPaintMs: firstPaint,
  firstFullDrawMs: readyMs,
  pageWeightGzipKB: Math.round(weight / 102.4) / 10,
  longestTaskWhileRedrawingMs: longestTask,
  clickToRepaintMs: clicks.length
    ? { max: Math.round(Math.max(...clicks)), median: Math.round(clicks.sort((a, b) => a - b)[2]!) }
    : undefined,
  targets: {
    firstPaintUnder1s: firstPaint < 1000,
    weightUnder300KB: weight < 300 * 1024,
    responsive: clicks.length ? Math.max(...clicks) < 200 : undefined,
  },
};
console.log(JSON.stringify(result, null, 2));
mkdirSync('bench/results', { recursive: true });
writeFileSync(`bench/results/page${target ? '-cluster' : ''}.json`, `${JSON.stringify(result, null, 2)}\n`);
