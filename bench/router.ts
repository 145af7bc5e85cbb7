/**
 * bench:router: what the data-plane router adds per frame, against a no-op
 * chain. Three no-op module servers (plain node:http, answer at once) run in
 * one child process, the router (createDataPlane behind express, as the
 * appliance mounts it) in another, and this process drives closed-loop load
 * at a few concurrency levels:
 *   direct: the client calls m1, m2, m3 itself, one after another (the chain's own cost);
 *   routed: the client sends the frame to POST /v1/deployments/bench/frames.
 * Added latency = routed − direct percentiles. The machine is shared, so
 * absolute numbers move with load; the table says what the load was.
 *
 *   npm run bench:router [-- --seconds 3] [-- --levels 1,8,32] [-- --bytes 1024]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import express from 'express';
import { pino } from 'pino';
import { parseManifest } from '../src/domain/manifest.js';
import { replicaName } from '../src/domain/replica-spec.js';
import type { ClusterDocument, ReplicaStatus } from '../src/domain/types.js';
import { createDataPlane } from '../src/router/data-plane.js';

const args = process.argv.slice(2);
const opt = (name: string, d: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1]! : d);
const MODULES = ['m1', 'm2', 'm3'];
const listen = (s: http.Server) =>
  new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));

/* ---------- child roles ---------- */

async function modulesRole(): Promise<void> {
  const ports: number[] = [];
  for (const name of MODULES) {
    const out = Buffer.from(`{"module":"${name}"}`);
    const s = http.createServer((req, res) => {
      req.on('data', () => {});
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': out.length });
        res.end(out);
      });
    });
    s.keepAliveTimeout = 60_000;
    ports.push(await listen(s));
  }
  process.send!({ ports });
}

async function routerRole(ports: number[]): Promise<void> {
  const manifest = parseManifest({
    apiVersion: 'rim/v1',
    name: 'noop3',
    entry: 'm1',
    modules: MODULES.map((m, i) => ({
      name: m,
      image: 'self',
      accelerator: 'cpu',
      command: ['x'],
      next: MODULES[i + 1] ? [MODULES[i + 1]!] : [],
    })),
  });
  const doc: ClusterDocument = {
    version: 1,
    clusterName: 'bench',
    profiles: [],
    members: [],
    apps: [{ name: 'noop3', image: 'x', digest: 'x', manifest, registeredAt: 0 }],
    // Admission far above what the box can do: the bench measures routing, not the bucket.
    deployments: [{ name: 'bench', app: 'noop3', fps: 1_000_000, latencyMs: 10_000, priority: 0, createdAt: 0 }],
    plan: {
      strategy: 'bench',
      rejected: [],
      latencyMs: {},
      utilisation: {},
      solveMs: 0,
      placements: MODULES.map((m) => ({
        deployment: 'bench',
        module: m,
        node: 'b',
        accelerator: 'cpu',
        fps: 1_000_000,
      })),
    },
  };
  const replicas: ReplicaStatus[] = MODULES.map((m, i) => ({
    name: replicaName('b', 'noop3', m, 'default', 'cpu'),
    app: 'noop3',
    module: m,
    variant: 'default',
    port: ports[i]!,
    accelerator: 'cpu',
    state: 'running',
    restarts: 0,
  }));
  const dp = createDataPlane({
    nodeId: 'b',
    store: { read: () => structuredClone(doc) },
    supervisor: { replicas: () => replicas },
    adminToken: 'x'.repeat(16),
    openFrames: true,
    logger: pino({ level: 'silent' }),
    now: Date.now,
  });
  // As the appliance serves it: frames taken ahead of express, everything else to express.
  const outer = express();
  outer.disable('x-powered-by');
  const server = http.createServer((req, res) => {
    if (!dp.intercept(req, res)) outer(req, res);
  });
  server.keepAliveTimeout = 60_000;
  process.on('SIGTERM', () => process.exit(0)); // a normal exit, so --cpu-prof (RIM_BENCH_PROF) writes its profile
  process.on('message', () => process.send!({ cpu: process.cpuUsage() }));
  process.send!({ port: await listen(server) });
}

/* ---------- the load generator ---------- */

interface Level {
  concurrency: number;
  mode: 'direct' | 'routed';
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  frames: number;
}

/** CPU time (user + system, µs) the router process has used so far. */
function routerCpu(proc: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    proc.once('message', (m) => {
      const c = (m as { cpu: NodeJS.CpuUsage }).cpu;
      resolve(c.user + c.system);
    });
    proc.send('cpu');
  });
}

function post(agent: http.Agent, port: number, path: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/octet-stream', 'content-length': body.length },
      },
      (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function drive(
  concurrency: number,
  seconds: number,
  one: () => Promise<boolean>,
  onMeasure?: (phase: 'start' | 'end') => Promise<void>,
): Promise<{ rps: number; p50: number; p99: number; errors: number; frames: number }> {
  const lat: number[] = [];
  let errors = 0;
  let measuring = false;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      const t = process.hrtime.bigint();
      const ok = await one().catch(() => false);
      if (!measuring) continue;
      if (ok) lat.push(Number(process.hrtime.bigint() - t) / 1e6);
      else errors++;
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  await new Promise((r) => setTimeout(r, 500)); // warm-up: sockets, JIT
  await onMeasure?.('start');
  measuring = true;
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  await onMeasure?.('end');
  const elapsed = (Date.now() - t0) / 1000;
  stop = true;
  await Promise.all(workers);
  lat.sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] ?? NaN;
  return { rps: lat.length / elapsed, p50: pct(50), p99: pct(99), errors, frames: lat.length + errors };
}

function child(role: string, extra: string[] = []): Promise<{ proc: ChildProcess; msg: Record<string, unknown> }> {
  const proc = fork(new URL(import.meta.url).pathname, [role, ...extra], {
    execArgv: [
      '--import',
      'tsx',
      ...(role === 'router' && process.env.RIM_BENCH_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.RIM_BENCH_PROF}`]
        : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    proc.once('message', (msg) => resolve({ proc, msg: msg as Record<string, unknown> }));
    proc.once('exit', (code) => reject(new Error(`${role} exited ${code}`)));
  });
}

async function main(): Promise<void> {
  const seconds = Number(opt('seconds', '3'));
  const levels = opt('levels', '1,8,32').split(',').map(Number);
  const body = Buffer.alloc(Number(opt('bytes', '1024')), 7);
  const mods = await child('modules');
  const ports = mods.msg.ports as number[];
  const router = await child('router', [JSON.stringify(ports)]);
  const routerPort = router.msg.port as number;
  const results: Level[] = [];
  const cpuPerFrame = new Map<number, number>();
  const load0 = loadavg()[0]!;
  try {
    for (const c of levels) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: c * MODULES.length });
      const direct = await drive(c, seconds, async () => {
        for (const p of ports) if ((await post(agent, p, '/infer', body)) !== 200) return false;
        return true;
      });
      results.push({ concurrency: c, mode: 'direct', ...direct });
      let cpu0 = 0;
      let cpuUs = 0;
      const routed = await drive(
        c,
        seconds,
        async () => (await post(agent, routerPort, '/v1/deployments/bench/frames', body)) === 200,
        async (phase) => {
          if (phase === 'start') cpu0 = await routerCpu(router.proc);
          else cpuUs = (await routerCpu(router.proc)) - cpu0;
        },
      );
      results.push({ concurrency: c, mode: 'routed', ...routed });
      cpuPerFrame.set(c, cpuUs / Math.max(1, routed.frames));
      agent.destroy();
    }
  } finally {
    mods.proc.kill();
    router.proc.kill();
  }
  const rows = levels.map((c) => {
    const d = results.find((r) => r.concurrency === c && r.mode === 'direct')!;
    const r = results.find((x) => x.concurrency === c && x.mode === 'routed')!;
    return {
      concurrency: c,
      directRps: d.rps,
      routedRps: r.rps,
      directP50: d.p50,
      routedP50: r.p50,
      addedP50: r.p50 - d.p50,
      directP99: d.p99,
      routedP99: r.p99,
      addedP99: r.p99 - d.p99,
      routerCpuUsPerFrame: cpuPerFrame.get(c)!,
      errors: d.errors + r.errors,
    };
  });
  const f = (v: number, d = 2) => v.toFixed(d);
  console.log(
    `\nrouter overhead, 3-module no-op chain, ${body.length}-byte frames, ${seconds} s per run ` +
      `(load avg ${f(load0)} on ${cpus().length} cores)\n`,
  );
  console.log(
    'conc | direct req/s | routed req/s | direct p50 | routed p50 | added p50 | ' +
      'direct p99 | routed p99 | added p99 | router CPU/frame | errors',
  );
  for (const r of rows) {
    const cells = [
      String(r.concurrency).padStart(4),
      f(r.directRps, 0).padStart(12),
      f(r.routedRps, 0).padStart(12),
      f(r.directP50).padStart(10),
      f(r.routedP50).padStart(10),
      f(r.addedP50).padStart(9),
      f(r.directP99).padStart(10),
      f(r.routedP99).padStart(10),
      f(r.addedP99).padStart(9),
      `${f(r.routerCpuUsPerFrame, 0)} µs`.padStart(16),
      r.errors,
    ];
    console.log(cells.join(' | '));
  }
  console.log(
    '(latencies in ms; direct = the client calls the three modules itself; ' +
      'router CPU = user+system time of the router process per routed frame, 1 inbound + 3 upstream HTTP exchanges)',
  );
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/router.json',
    `${JSON.stringify(
      {
        bench: 'router',
        at: new Date().toISOString(),
        chain: MODULES.length,
        frameBytes: body.length,
        seconds,
        machine: { cpus: cpus().length, loadAvg1m: load0, node: process.version },
        rows,
      },
      null,
      2,
    )}\n`,
  );
  console.log('wrote bench/results/router.json');
}

const role = process.argv[2];
if (role === 'modules') await modulesRole();
else if (role === 'router') await routerRole(JSON.parse(process.argv[3]!) as number[]);
else await main();
