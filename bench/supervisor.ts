/**
 * bench:supervisor: how fast the node supervisor heals, and how well the
 * synthetic module is calibrated, on the real Docker engine.
 * 1. restart latency: N replicas of the no-op sample under a NodeSupervisor;
 *    each is `docker kill`ed once (its first crash: 100 ms backoff); we time
 *    kill → running again and kill → /healthz 200.
 * 2. adoption: a second supervisor's first round over the N running replicas
 *    (must apply no step) and its duration.
 * 3. calibration: a synthetic replica with COST_MS=20 under --cpus 1, 0.5,
 *    0.25, driven closed-loop by 4 clients: measured vs ideal fps (1000/COST_MS·cpus).
 *
 *   npm run bench:supervisor [-- --replicas 5] [-- --seconds 3]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { pino } from 'pino';
import { DockerContainerEngine } from '../src/adapters/docker-engine.js';
import { parseManifest } from '../src/domain/manifest.js';
import { buildReplicaSpec } from '../src/domain/replica-spec.js';
import type { Assignment, RegisteredApp } from '../src/domain/types.js';
import { NodeSupervisor } from '../src/supervisor/node-supervisor.js';
import { SANDBOX_IMAGE } from '../test/support/images.js';
import { removeNodeDocker } from '../test/support/node-docker.js';

const args = process.argv.slice(2);
const opt = (name: string, d: number) => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : d);
const N = opt('replicas', 5);
const SECONDS = opt('seconds', 3);
const NODE = `bench-sup-${process.pid}`;
const PORT0 = 31000 + (process.pid % 1000) * 10;
const engine = new DockerContainerEngine({ sandboxImage: SANDBOX_IMAGE }, null);
const logger = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const docker = (...a: string[]) => execFileSync('docker', a, { encoding: 'utf8' }).trim();
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function until<T>(fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await sleep(10);
  }
}

async function app(tag: string): Promise<RegisteredApp> {
  const info = await engine.inspectImage(tag);
  return {
    name: parseManifest(info.manifestLabel!).name,
    image: tag,
    digest: info.digest,
    manifest: parseManifest(info.manifestLabel!),
    registeredAt: 0,
  };
}

async function restartLatency() {
  const noop = await app('rim/sample-noop:latest');
  const replicas = Array.from({ length: N }, (_, i) => ({
    ...buildReplicaSpec({ node: NODE, app: noop, module: 'noop', accelerator: { kind: 'cpu' }, port: PORT0 + i }),
  })).map((s, i) => ({ ...s, name: `${s.name}-${i}` }));
  const target: Assignment = { node: NODE, version: 1, replicas };
  const sup = new NodeSupervisor(engine, NODE, logger);
  sup.setAssignment(target);
  const ac = new AbortController();
  const loop = sup.run(ac.signal);
  const running = await until(async () => {
    const l = await engine.listReplicas(NODE);
    return l.length === N && l.every((r) => r.status === 'running') ? l : undefined;
  });
  const toRunning: number[] = [];
  const toHealthy: number[] = [];
  for (const r of running) {
    const at = `http://${sup.replicaHost()}:${r.port}/healthz`;
    await until(async () => ((await fetch(at)).status === 200 ? true : undefined));
    const t0 = performance.now();
    docker('kill', r.containerId);
    await until(async () => {
      const x = (await engine.listReplicas(NODE)).find((y) => y.containerId === r.containerId);
      return x?.status === 'running' && x.startedAt! > r.startedAt! ? true : undefined;
    });
    toRunning.push(performance.now() - t0);
    await until(async () => ((await fetch(at)).status === 200 ? true : undefined));
    toHealthy.push(performance.now() - t0);
  }
  ac.abort();
  await loop;
  // Adoption: a new supervisor (an appliance restart) over the running replicas.
  const second = new NodeSupervisor(engine, NODE, logger);
  second.setAssignment(target);
  const t0 = performance.now();
  const round = await second.reconcileNow();
  const adoptMs = performance.now() - t0;
  return { toRunning, toHealthy, adoptMs, adoptSteps: round.applied.length };
}

async function calibration() {
  const rows: { cpus: number; costMs: number; idealFps: number; fps: number }[] = [];
  for (const cpus of [1, 0.5, 0.25]) {
    const port = PORT0 + 9;
    const name = `${NODE}-calib`;
    docker(
      'run',
      '-d',
      '--name',
      name,
      '--label',
      `rim.node=${NODE}`,
      '--network',
      'host',
      '--cpus',
      String(cpus),
      '-e',
      `RIM_PORT=${port}`,
      '-e',
      'COST_MS=20',
      'rim/sample-synthetic:latest',
    );
    try {
      await until(async () => ((await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200 ? true : undefined));
      let n = 0;
      const end = Date.now() + SECONDS * 1000;
      await Promise.all(
        [1, 2, 3, 4].map(async () => {
          while (Date.now() < end) {
            await (await fetch(`http://127.0.0.1:${port}/infer`, { method: 'POST', body: 'x' })).arrayBuffer();
            n++;
          }
        }),
      );
      rows.push({ cpus, costMs: 20, idealFps: (1000 / 20) * cpus, fps: n / SECONDS });
    } finally {
      docker('rm', '-f', '-v', name);
    }
  }
  return rows;
}

function cleanup() {
  removeNodeDocker(NODE);
}

try {
  execFileSync('bash', ['images/build.sh', 'synthetic', 'noop'], { stdio: 'inherit' });
  const r = await restartLatency();
  const cal = await calibration();
  const f = (x: number) => x.toFixed(0).padStart(6);
  console.log(`\nrestart after docker kill (${N} replicas, first crash each: 100 ms backoff)`);
  console.log('metric              p50    max');
  console.log(`kill → running  ${f(pct(r.toRunning, 50))} ${f(Math.max(...r.toRunning))} ms`);
  console.log(`kill → healthy  ${f(pct(r.toHealthy, 50))} ${f(Math.max(...r.toHealthy))} ms`);
  console.log(
    `adoption round: ${r.adoptMs.toFixed(0)} ms, ${r.adoptSteps} steps (0 = nothing duplicated or restarted)`,
  );
  console.log('\nsynthetic calibration (COST_MS=20, 4 closed-loop clients)');
  console.log('cpus  ideal fps  measured fps  ratio');
  for (const c of cal)
    console.log(
      `${String(c.cpus).padEnd(5)} ${c.idealFps.toFixed(1).padStart(9)} ${c.fps.toFixed(1).padStart(13)} ` +
        (c.fps / c.idealFps).toFixed(2).padStart(6),
    );
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/supervisor.json',
    JSON.stringify({ at: new Date().toISOString(), replicas: N, ...r, calibration: cal }, null, 2),
  );
  console.log('\nwrote bench/results/supervisor.json');
} finally {
  cleanup();
}
