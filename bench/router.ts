/**
 * bench:router: Rim's router against a real reverse proxy, side by side in
 * one run. One no-op module (plain node:http, answers at once) runs in a child
 * process, the router (createDataPlane, served ahead of express as the
 * appliance does) in another, nginx (Debian's package, its own config in a temp
 * dir, one worker, keep-alive upstream) as a third, the node floor
 * (bench/router/node-floor.ts: node:http + the router's undici client, no Rim
 * logic) as a fourth; this process plays frames open-loop
 * (bench/router/open-loop.ts) at rising rates along four paths:
 *   direct:     the client calls the module's POST /infer itself;
 *   router:     POST /v1/deployments/bench/frames, the router calls the module;
 *   node-floor: POST /infer on the node floor, which forwards it to the module (what any router on Node's HTTP
 *               stack reaches on this machine);
 *   nginx:      POST /infer on nginx, which proxies it to the module.
 * Before the baseline the three paths play the lowest rate in 5 s steps until the
 * router's helper threads (V8's compiler and GC) go quiet: its JIT keeps
 * optimising for tens of seconds at a low rate after a fast warm-up, and an
 * appliance runs for hours. At the lowest rate (the baseline) direct and one
 * proxy take turns frame by frame in one window of --base-seconds (50 s since
 * round 10: 2,500 frames each at 50 fps), one window per proxy (the proxies share the core under test:
 * interleaved they would delay each other), so what else the machine runs falls
 * on direct and the proxy alike; a second window only when a path missed a
 * frame. Added latency = proxy − direct percentiles, from the same window;
 * its p99 with a 95% interval from a seeded block bootstrap over the window's
 * (direct, proxy) pairs (router/bootstrap.ts; --seed N, default 10).
 * Above it, at each rate the four paths run one after another. The router and node-floor processes run with the
 * appliance's node flags (router/node-flags.ts), from dist/ (built first: tsc's output, what the
 * image runs; --from-src runs it under tsx instead). A path "holds" a rate
 * when every frame is answered 200 and its p99 stays within 2× its baseline
 * p99 (or baseline + 1 ms, whichever is larger: sub-millisecond jitter of a
 * shared box is not queueing); its throughput is the highest rate it holds. A
 * rate that does not hold is tried once more (a stall of the shared box is not
 * the path's); a path stops at a rate that fails twice, the run after --budget
 * seconds of stepping.
 *
 *   npm run bench:router [-- --seconds 2] [-- --base-seconds 50] [-- --seed 10] [-- --rates 50,500,1000]
 *                        [-- --bytes 1024] [-- --budget 360] [-- --from-src]
 *                        [-- --no-pin]
 * CPU pinning (bench/cpu-pinning.ts): the proxy under test (router, node floor or nginx: the same core, one at a time)
 * on one core of its own, the client and the no-op module (stand-ins for the camera and for a replica's
 * accelerator, other machines on a real deployment) on the others; none with fewer than 2 cores or --no-pin.
 *   RIM_BENCH_PROF=DIR writes the router's and the node floor's CPU profiles (node --cpu-prof) into DIR.
 *   RIM_BENCH_TAIL=DIR: the router and node floor time each request in process, with their GC and event loop delay,
 *     and write per measured window the slowest 1% into DIR (bench/router/tail-trace.ts).
 *   RIM_BENCH_NGINX=PATH runs that nginx binary.
 *   RIM_BENCH_HELPER_NICE=N: the router's and node floor's helper threads at nice N (bench/router/helper-priority.ts).
 *   RIM_BENCH_NODE_FLAGS='…' adds node flags to the router's and node floor's (a trial; named in the JSON).
 *   RIM_BENCH_IDLE_GC=0: the router without its scavenges between frames (src/router/idle-scavenge.ts), for an A/B.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
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
import { v8YoungGeneration } from '../src/adapters/v8-young-generation.js';
import { affinityOf, pin, pinBench, type Pinning } from './cpu-pinning.js';
import { answerGcAsks } from './router/gc-watch.js';
import { sampleAllocations } from './router/heap-sampling.js';
import { traceTail } from './router/tail-trace.js';
import { helperPriority } from './router/helper-priority.js';
import { APPLIANCE_NODE_FLAGS } from './router/node-flags.js';
import { addedP99Ci } from './router/bootstrap.js';
import { findNginx, NGINX_INSTALL_HINT, startNginx, type Nginx } from './router/nginx.js';
import { poster, runInterleaved, runStep, type StepResult } from './router/open-loop.js';
import { childPids, cpuSeconds, threadCpu } from './router/proc-cpu.js';
import { mainThreadWaits, waitsBetween, type MainThreadWaits } from './sched-stat.js';

const args = process.argv.slice(2);
const opt = (name: string, d: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1]! : d);
/** The router runs from dist/ (tsc's output, built first), as the appliance does; --from-src: under tsx. */
const FROM_SRC = args.includes('--from-src');
/** RIM_BENCH_NODE_FLAGS='--single-threaded-gc …': router node flags on top of the appliance's (a trial). */
const EXTRA_FLAGS = (process.env.RIM_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const listen = (s: http.Server) =>
  new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));

/** Router p99 added over direct at the lowest rate must stay under this (ms); issue #10. */
const TARGET_ADDED_P99_MS = 1;
/** Router throughput (highest rate held) must be at least this share of nginx's; issue #10. */
const TARGET_THROUGHPUT_SHARE = 0.7;

/* ---------- child roles ---------- */

async function moduleRole(): Promise<void> {
  const out = Buffer.from('{"module":"noop"}');
  const s = http.createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': out.length });
      res.end(out);
    });
  });
  s.keepAliveTimeout = 60_000;
  process.send!({ port: await listen(s) });
}

async function routerRole(port: number): Promise<void> {
  const manifest = parseManifest({
    apiVersion: 'rim/v1',
    name: 'noop',
    entry: 'noop',
    modules: [{ name: 'noop', image: 'self', accelerator: 'cpu', command: ['x'], next: [] }],
  });
  const doc: ClusterDocument = {
    version: 1,
    clusterName: 'bench',
    profiles: [],
    members: [],
    apps: [{ name: 'noop', image: 'x', digest: 'x', manifest, registeredAt: 0 }],
    // Admission far above what the box can do: the bench measures routing, not the bucket.
    deployments: [{ name: 'bench', app: 'noop', fps: 1_000_000, latencyMs: 10_000, priority: 0, createdAt: 0 }],
    plan: {
      strategy: 'bench',
      rejected: [],
      latencyMs: {},
      utilisation: {},
      solveMs: 0,
      placements: [{ deployment: 'bench', module: 'noop', node: 'b', accelerator: 'cpu', fps: 1_000_000 }],
    },
  };
  const replicas: ReplicaStatus[] = [
    {
      name: replicaName('b', 'noop', 'noop', 'default', 'cpu'),
      app: 'noop',
      module: 'noop',
      variant: 'default',
      port,
      accelerator: 'cpu',
      state: 'running',
      restarts: 0,
    },
  ];
  // RIM_BENCH_IDLE_GC=0: a router without them, for an A/B (latency-probe.ts --ab).
  const young = process.env.RIM_BENCH_IDLE_GC === '0' ? undefined : v8YoungGeneration();
  const dp = createDataPlane({
    nodeId: 'b',
    store: { read: () => structuredClone(doc) },
    supervisor: { replicas: () => replicas },
    adminToken: 'x'.repeat(16),
    openFrames: true,
    logger: pino({ level: 'silent' }),
    now: Date.now,
    // As the appliance: with --expose-gc (its node flags) the router scavenges between frames.
    ...(young ? { young } : {}),
  });
  // As the appliance serves it: frames taken ahead of express, everything else to express.
  const outer = express();
  outer.disable('x-powered-by');
  const tail = traceTail('router');
  const server = http.createServer((req, res) => {
    tail?.(req, res);
    if (!dp.intercept(req, res)) outer(req, res);
  });
  server.keepAliveTimeout = 60_000;
  // A normal exit, so --cpu-prof (RIM_BENCH_PROF) writes its profile; RIM_BENCH_HEAP: allocations (heap-sampling.ts).
  if (process.env.RIM_BENCH_HEAP) sampleAllocations(process.env.RIM_BENCH_HEAP);
  else process.on('SIGTERM', () => process.exit(0));
  // Its garbage collections since the last ask (V8's own timings, passive): the bench asks around each step.
  answerGcAsks();
  const own = await listen(server);
  helperPriority();
  process.send!({ port: own });
}

/** The CPU ms of `pid`'s threads other than its main one since `from` (threadCpu(pid).helpers, seconds). */
const helperMsSince = (pid: number, from: number) => Math.round((threadCpu(pid).helpers - from) * 10_000) / 10;

/** The router child's garbage collections since the last ask. */
function gcSince(proc: ChildProcess): Promise<GcStats> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      const gc = (m as { gc?: GcStats }).gc;
      if (!gc) return;
      proc.off('message', on);
      const r = (x: number) => Math.round(x * 100) / 100;
      resolve({ count: gc.count, major: gc.major, forced: gc.forced ?? 0, ms: r(gc.ms), maxMs: r(gc.maxMs) });
    };
    proc.on('message', on);
    proc.send('gc?');
  });
}

interface GcStats {
  count: number;
  /** Of those, full (mark-compact) collections. */
  major: number;
  /** Of those, asked for by the process: the router's scavenges between frames (src/router/idle-scavenge.ts). */
  forced: number;
  ms: number;
  maxMs: number;
}

/** The router or node-floor child: the appliance's node flags (and a trial's), from dist/ unless --from-src. */
function child(
  role: 'module' | 'router' | 'node-floor',
  extra: string[] = [],
): Promise<{ proc: ChildProcess; msg: Record<string, unknown> }> {
  const proxy = role !== 'module';
  const dist = proxy && !FROM_SRC;
  const floor = role === 'node-floor';
  const rel = dist
    ? floor
      ? '../dist/bench/router/node-floor.js'
      : '../dist/bench/router.js'
    : floor
      ? './router/node-floor.ts'
      : import.meta.url;
  const script = new URL(rel, import.meta.url).pathname;
  const proc = fork(script, floor ? extra : [role, ...extra], {
    execArgv: [
      ...(dist ? [] : ['--import', 'tsx']),
      ...(proxy ? APPLIANCE_NODE_FLAGS : []),
      ...(proxy && process.env.RIM_BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.RIM_BENCH_PROF}`] : []),
      ...(proxy ? EXTRA_FLAGS : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    proc.once('message', (msg) => resolve({ proc, msg: msg as Record<string, unknown> }));
    proc.once('exit', (code) => reject(new Error(`${role} exited ${code}`)));
  });
}

/** Ends a child and waits for it (the router writes its CPU profile on the way out). */
function end(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
    proc.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

/* ---------- the run ---------- */

const PATHS = ['direct', 'router', 'node-floor', 'nginx'] as const;
type PathName = (typeof PATHS)[number];

interface Row extends Omit<StepResult, 'byFrame'> {
  path: PathName;
  /** 1, or 2: a rate is tried again once when it does not hold (a stall of the shared box is not the path's). */
  attempt: number;
  holds: boolean;
  /** CPU of the proxy (router process or nginx's processes) per answered frame, µs; absent for direct. */
  proxyCpuUsPerFrame?: number;
  /** The proxy's main thread (nginx: its worker) in the window: run-queue wait and preemptions (/proc). */
  proxyWaits?: MainThreadWaits;
  /** The router's (node floor's) garbage collections in the step (warm-up, window and settling), V8's timings. */
  gc?: GcStats;
  /** The router's (node floor's) other threads (V8's compiler and GC helpers, libuv) on a CPU in the window, ms. */
  helperCpuMs?: number;
  /** Lowest-rate rows: the interleaved window they were measured in (direct with that proxy). */
  window?: Proxy;
}

/** The proxies: at the lowest rate each takes turns with direct in a window of its own. */
const PROXIES = ['router', 'node-floor', 'nginx'] as const;
type Proxy = (typeof PROXIES)[number];
/** Settling: 5 s steps at the lowest rate until the router's (and the node floor's) helper threads used under this
 * much CPU in one. */
const SETTLED_HELPER_MS = 10;
const SETTLE_STEPS_MAX = 12;

const holdsAt = (s: StepResult, baseP99: number | undefined) =>
  s.failed === 0 && s.ok > 0 && (baseP99 === undefined || s.p99 <= Math.max(2 * baseP99, baseP99 + 1));

async function main(): Promise<void> {
  const bin = findNginx();
  if (!bin) {
    console.error(`bench:router: ${NGINX_INSTALL_HINT}`);
    process.exit(1);
  }
  if (!FROM_SRC) {
    console.log('building (npm run build): the router runs from dist/, as the appliance does');
    execFileSync('npm', ['run', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const seconds = Number(opt('seconds', '2'));
  const warmupS = 0.5;
  const rates = opt('rates', '50,200,500,1000,1500,2000,2500,3000,4000,5000,6000,7000,8000,10000,12000')
    .split(',')
    .map(Number);
  // 360 s since round 10 (the 50 fps windows are 2.5 times longer): the ladder is not cut short.
  const budgetS = Number(opt('budget', '360'));
  // 50 s: 2,500 frames per path and window, so the p99 is the 25th worst, not the 10th (round 10).
  const baseSeconds = Number(opt('base-seconds', '50'));
  const seed = Number(opt('seed', process.env.RIM_BENCH_SEED ?? '10'));
  const body = Buffer.alloc(Number(opt('bytes', '1024')), 7);
  const maxInFlight = 256;
  const load0 = loadavg()[0]!;
  // Before any child starts: this process (the client) moves to the load CPUs, and every child inherits them.
  const pinning = pinBench(args);
  const pinned = 'sut' in pinning ? pinning : undefined;

  const mod = await child('module');
  const modulePort = mod.msg.port as number;
  let router: Awaited<ReturnType<typeof child>> | undefined;
  let floor: Awaited<ReturnType<typeof child>> | undefined;
  let nginx: Nginx | undefined;
  const rows: Row[] = [];
  /** The lowest-rate windows' frames in due order, `${window}#${attempt}#${path}`: the pairs of the bootstrap. */
  const windowFrames = new Map<string, number[]>();
  let pinReport: PinReport | undefined;
  let settled: Settled | undefined;
  const started = Date.now();
  process.once('SIGINT', () => void nginx?.stop().finally(() => process.exit(130)));
  try {
    router = await child('router', [String(modulePort)]);
    if (pinned) pin(router.proc.pid!, pinned.sut);
    floor = await child('node-floor', [String(modulePort)]);
    if (pinned) pin(floor.proc.pid!, pinned.sut);
    nginx = await startNginx(bin, modulePort, pinned?.sut);
    const routerPid = router.proc.pid!;
    const floorPid = floor.proc.pid!;
    const affinity = {
      client: affinityOf(process.pid),
      module: affinityOf(mod.proc.pid!),
      router: affinityOf(routerPid),
      nodeFloor: affinityOf(floorPid),
      nginx: nginx.affinity(),
    };
    console.log(
      `CPUs allowed (from /proc, every thread): client ${affinity.client}, module ${affinity.module}, ` +
        `router ${affinity.router}, node-floor ${affinity.nodeFloor}, nginx ${affinity.nginx}`,
    );
    pinReport = { ...(pinned ?? { none: (pinning as { reason: string }).reason }), affinity };
    const ng = nginx;
    const nginxWorker = childPids(ng.pid)[0] ?? ng.pid;
    const targets: Record<PathName, { port: number; path: string; cpu?: () => number; pid?: number }> = {
      direct: { port: modulePort, path: '/infer' },
      router: {
        port: router.msg.port as number,
        path: '/v1/deployments/bench/frames',
        cpu: () => cpuSeconds(routerPid),
        pid: routerPid,
      },
      'node-floor': { port: floor.msg.port as number, path: '/infer', cpu: () => cpuSeconds(floorPid), pid: floorPid },
      nginx: { port: ng.port, path: '/infer', cpu: () => ng.cpuSeconds(), pid: nginxWorker },
    };
    /** The Node proxies' processes: their GC (gcSince) and helper threads are recorded per row. */
    const nodeProcs: Partial<Record<PathName, ChildProcess>> = { router: router.proc, 'node-floor': floor.proc };
    const gcOf = async (p: PathName) => {
      const proc = nodeProcs[p];
      return proc ? gcSince(proc) : undefined;
    };
    /** RIM_BENCH_TAIL: the Node proxy's requests since the last mark form a window of that name (tail-trace.ts). */
    const mark = (p: PathName, label: string) => {
      if (process.env.RIM_BENCH_TAIL) nodeProcs[p]?.send({ tail: label });
    };
    const clients = Object.fromEntries(
      PATHS.map((p) => [p, poster(targets[p].port, targets[p].path, body, maxInFlight)]),
    ) as Record<PathName, ReturnType<typeof poster>>;
    // Every path answers before anything is measured (the router's first health probe, nginx's upstream),
    // then runs 3,000 frames unmeasured (JIT, pooled sockets), so the baseline is a warm one.
    for (const p of PATHS) {
      const status = await clients[p].send();
      if (status !== 200) throw new Error(`${p}: the first frame got ${status}`);
      await runStep(clients[p].send, Math.max(1000, rates[0]!), { seconds: 3, warmupS: 0, maxInFlight });
    }
    const measure = async (p: PathName, rate: number, attempt: number, base: number | undefined) => {
      const { cpu, pid } = targets[p];
      let cpu0 = 0;
      let cpuS = NaN;
      let w0: MainThreadWaits | undefined;
      let waits: MainThreadWaits | undefined;
      let h0 = 0;
      let helperMs: number | undefined;
      await gcOf(p);
      const s = await runStep(clients[p].send, rate, {
        seconds,
        warmupS,
        maxInFlight,
        onWindow: (phase) => {
          mark(p, phase === 'start' ? 'warm-up' : `${rate} fps try ${attempt}`);
          if (!cpu || !pid) return;
          if (phase === 'start') [cpu0, w0, h0] = [cpu(), mainThreadWaits(pid), threadCpu(pid).helpers];
          else
            [cpuS, waits, helperMs] = [cpu() - cpu0, waitsBetween(w0!, mainThreadWaits(pid)), helperMsSince(pid, h0)];
        },
      });
      const gc = await gcOf(p);
      const row = record(p, attempt, s, base, waits, gc);
      if (nodeProcs[p] && helperMs !== undefined) row.helperCpuMs = helperMs;
      if (cpu && s.ok > 0) row.proxyCpuUsPerFrame = (cpuS * 1e6) / s.ok;
      return row;
    };
    const record = (
      p: PathName,
      attempt: number,
      s: StepResult,
      base: number | undefined,
      waits?: MainThreadWaits,
      gc?: GcStats,
      window?: Proxy,
    ) => {
      const { byFrame, ...step } = s;
      if (window) windowFrames.set(`${window}#${attempt}#${p}`, byFrame);
      const row: Row = { path: p, attempt, ...step, holds: holdsAt(s, base), ...(window ? { window } : {}) };
      if (waits) row.proxyWaits = waits;
      if (gc) row.gc = gc;
      rows.push(row);
      const diag = [
        waits ? `run-queue wait ${(waits.runqueueWaitS * 1000).toFixed(0)} ms / ${waits.preempted} preempted` : '',
        gc ? `gc ${gc.count} × (${gc.major} major, ${gc.forced} between frames; ${gc.ms} ms, max ${gc.maxMs})` : '',
      ].filter(Boolean);
      console.log(
        `${String(s.rate).padStart(6)} fps  ${p.padEnd(10)}  ${window ? `(${window} window)  ` : ''}` +
          `try ${attempt}  ok ${String(s.ok).padStart(6)}  ` +
          `failed ${s.failed}  p50 ${s.p50.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms  ` +
          (row.holds ? 'holds' : 'does not hold') +
          (diag.length ? `  (${diag.join('; ')})` : ''),
      );
      return row;
    };
    // Settling: the router's JIT keeps optimising for tens of seconds at a low rate after the warm-up above (code
    // paths a busy router does not take); on one core its compiler threads preempt it. An appliance runs for
    // hours: the baseline is taken once the router's helper threads (V8's compiler and GC, libuv) go quiet, and
    // the node floor's (the same stack, its JIT too).
    const settleT0 = Date.now();
    let helperMs = NaN;
    const helpers = () => threadCpu(routerPid).helpers + threadCpu(floorPid).helpers;
    for (let i = 0; i < SETTLE_STEPS_MAX; i++) {
      const h0 = helpers();
      await runInterleaved(
        PATHS.map((p) => clients[p].send),
        rates[0]!,
        { seconds: 5, warmupS: 0, maxInFlight },
      );
      helperMs = Math.round((helpers() - h0) * 1000);
      if (helperMs < SETTLED_HELPER_MS) break;
    }
    settled = { seconds: Math.round((Date.now() - settleT0) / 1000), helperMsInLast5s: helperMs };
    console.log(
      `settled ${settled.seconds} s at ${rates[0]} fps: the router's and node floor's helper threads used ` +
        `${helperMs} ms of CPU in ` +
        `the last 5 s (settled under ${SETTLED_HELPER_MS} ms, or after ${SETTLE_STEPS_MAX * 5} s)`,
    );
    // The lowest rate sets each path's baseline: direct and one proxy take turns frame by frame in one long window
    // (the box's noise falls on both alike, p99 over baseSeconds x rate frames each), one window per proxy (the
    // proxies share the core under test: interleaved with each other they would delay each other, which no
    // deployment does); a window is tried once more if a path missed a frame.
    const base = new Map<PathName, number>();
    for (const q of PROXIES) {
      const pair: PathName[] = ['direct', q];
      for (let attempt = 1; attempt <= 2; attempt++) {
        const cpu0 = new Map<PathName, number>();
        const cpuS = new Map<PathName, number>();
        const w0 = new Map<PathName, MainThreadWaits>();
        const waits = new Map<PathName, MainThreadWaits>();
        let h0 = 0;
        let helperMs: number | undefined;
        await gcOf(q);
        const results = await runInterleaved(
          pair.map((p) => clients[p].send),
          rates[0]!,
          {
            seconds: baseSeconds,
            warmupS,
            maxInFlight,
            onWindow: (phase) => {
              mark(q, phase === 'start' ? 'settling' : `${rates[0]} fps baseline try ${attempt}`);
              for (const p of pair) {
                const { cpu, pid } = targets[p];
                if (!cpu || !pid) continue;
                if (phase === 'start') {
                  cpu0.set(p, cpu());
                  w0.set(p, mainThreadWaits(pid));
                  if (nodeProcs[p]) h0 = threadCpu(pid).helpers;
                } else {
                  cpuS.set(p, cpu() - cpu0.get(p)!);
                  waits.set(p, waitsBetween(w0.get(p)!, mainThreadWaits(pid)));
                  if (nodeProcs[p]) helperMs = helperMsSince(pid, h0);
                }
              }
            },
          },
        );
        const gc = await gcOf(q);
        const got = pair.map((p, i) => {
          const s = results[i]!;
          const row = record(p, attempt, s, undefined, waits.get(p), p === q ? gc : undefined, q);
          if (cpuS.has(p) && s.ok > 0) row.proxyCpuUsPerFrame = (cpuS.get(p)! * 1e6) / s.ok;
          if (p === q && nodeProcs[p] && helperMs !== undefined) row.helperCpuMs = helperMs;
          if (row.holds && !base.has(p)) base.set(p, row.p99);
          return row.holds;
        });
        if (got.every(Boolean)) break;
      }
    }
    const live = new Set<PathName>(PATHS.filter((p) => base.has(p)));
    for (const rate of rates.slice(1)) {
      if (!live.size || (Date.now() - started) / 1000 > budgetS) break;
      for (const p of PATHS) {
        if (!live.has(p)) continue;
        if ((await measure(p, rate, 1, base.get(p))).holds) continue;
        if (!(await measure(p, rate, 2, base.get(p))).holds) live.delete(p);
      }
    }
    for (const c of Object.values(clients)) c.close();
  } finally {
    await nginx?.stop();
    if (router) await end(router.proc);
    if (floor) await end(floor.proc);
    await end(mod.proc);
  }
  const nginxVersion = nginx?.version ?? '';
  report({
    rows,
    rates,
    seconds,
    baseSeconds,
    warmupS,
    body,
    load0,
    nginxVersion,
    started,
    pinning: pinReport,
    settled,
    windowFrames,
    seed,
  });
}

interface Settled {
  seconds: number;
  helperMsInLast5s: number;
}

/** The pinning as planned (or why there is none) and as the kernel reported it for each process. */
type PinReport = (Pinning | { none: string }) & { affinity: Record<string, string> };

function report(r: {
  rows: Row[];
  rates: number[];
  seconds: number;
  baseSeconds: number;
  warmupS: number;
  body: Buffer;
  load0: number;
  nginxVersion: string;
  started: number;
  pinning: PinReport | undefined;
  settled: Settled | undefined;
  windowFrames: Map<string, number[]>;
  seed: number;
}): void {
  const { rows } = r;
  const low = r.rates[0]!;
  /** A proxy's baseline: its first window at the lowest rate where it and direct answered every frame. */
  const atLow = (p: PathName, q: Proxy, attempt: number) =>
    rows.find((x) => x.path === p && x.rate === low && x.window === q && x.attempt === attempt && x.holds);
  const baseline = (q: Proxy) => {
    for (const attempt of [1, 2]) {
      const x = atLow(q, q, attempt);
      const d = atLow('direct', q, attempt);
      if (x && d) return { x, d };
    }
    return undefined;
  };
  const added = (q: Proxy) => {
    const b = baseline(q);
    if (!b) return undefined;
    const frames = (p: PathName) => r.windowFrames.get(`${q}#${b.x.attempt}#${p}`) ?? [];
    // The p99's 95% interval: a block bootstrap over the window's (direct, proxy) pairs, blocks of 1 s.
    const ci = addedP99Ci(frames('direct'), frames(q), { seed: r.seed, blockPairs: low, resamples: 2000 });
    return {
      p50: b.x.p50 - b.d.p50,
      p99: b.x.p99 - b.d.p99,
      p99Ci95: [ci.lo, ci.hi] as [number, number],
      bootstrap: { pairs: ci.pairs, blockPairs: ci.blockPairs, resamples: ci.resamples, seed: ci.seed },
    };
  };
  const maxHeld = (p: PathName) => Math.max(0, ...rows.filter((x) => x.path === p && x.holds).map((x) => x.rate));
  // Like for like: CPU per frame at the highest rate both proxies held (at low rates a frame's share of the
  // process's fixed costs and of its JIT warming up dominates, which says little about what a frame costs).
  const common = Math.max(
    0,
    ...rows
      .filter(
        (x) => x.path === 'router' && x.holds && rows.some((y) => y.path === 'nginx' && y.holds && y.rate === x.rate),
      )
      .map((x) => x.rate),
  );
  const cpuPerFrame = (p: PathName) =>
    rows.find((x) => x.path === p && x.rate === common && x.holds)?.proxyCpuUsPerFrame ?? NaN;
  const routerAdded = added('router');
  const nginxAdded = added('nginx');
  const floorAdded = added('node-floor');
  const held = {
    direct: maxHeld('direct'),
    router: maxHeld('router'),
    'node-floor': maxHeld('node-floor'),
    nginx: maxHeld('nginx'),
  };
  const share = held.nginx > 0 ? held.router / held.nginx : NaN;
  const floorShare = held.nginx > 0 ? held['node-floor'] / held.nginx : NaN;
  // Stopped by a rate that did not hold twice (not by the list of rates or the time budget running out).
  const topped = (p: PathName) => rows.some((x) => x.path === p && x.rate !== low && x.attempt === 2 && !x.holds);
  // When nginx held the highest rate tried, its limit is higher and the share only an upper bound: not a "met".
  const shareKnown = topped('nginx') || (topped('router') === false && held.router >= held.nginx);
  const targets = {
    routerAddedP99Ms: {
      target: `< ${TARGET_ADDED_P99_MS}`,
      value: routerAdded?.p99 ?? NaN,
      met: routerAdded !== undefined && routerAdded.p99 < TARGET_ADDED_P99_MS,
      // Met with confidence: the whole 95% interval under the target.
      ci95: routerAdded?.p99Ci95,
      metWithConfidence: routerAdded !== undefined && routerAdded.p99Ci95[1] < TARGET_ADDED_P99_MS,
    },
    routerThroughputShareOfNginx: {
      target: `>= ${TARGET_THROUGHPUT_SHARE}`,
      value: share,
      met: Number.isFinite(share) && share >= TARGET_THROUGHPUT_SHARE && shareKnown,
      ...(shareKnown ? {} : { note: 'nginx held the highest rate tried: its limit, and so the share, is not known' }),
    },
  };
  const f = (v: number | undefined, d = 2) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(d));
  const ciText = (a: { p99Ci95: [number, number] } | undefined) =>
    a ? ` [${f(a.p99Ci95[0])}, ${f(a.p99Ci95[1])}]` : '';
  // Every path's frames cost the load side (client and module) the same; a proxy that holds what direct holds
  // is held back by the load side, not by itself.
  const loadBound =
    held.nginx >= held.direct
      ? `nginx held as much as direct: its figure is the load side's limit (client and module), not nginx's`
      : undefined;
  const heldText = (p: PathName) => `${held[p]} fps${topped(p) ? '' : ' (the highest rate tried: not its limit)'}`;
  console.log(
    `\nrouter vs node floor vs nginx vs direct, one no-op module, ${r.body.length}-byte frames, open loop, ` +
      `${r.seconds} s per rate after ${r.warmupS} s warm-up, the lowest rate ${r.baseSeconds} s interleaved ` +
      `with direct, one window per proxy, after ${r.settled?.seconds ?? '–'} s settling ` +
      `(load avg ${f(r.load0)} → ${f(loadavg()[0]!)} on ${cpus().length} cores; ` +
      `nginx ${r.nginxVersion}, 1 worker)`,
  );
  const pinText =
    r.pinning && 'sut' in r.pinning
      ? `CPU pinning: router, node floor and nginx on CPU ${r.pinning.sut} (one at a time), client and module on CPU ` +
        `${r.pinning.load}`
      : `CPU pinning: none (${r.pinning && 'none' in r.pinning ? r.pinning.none : 'not reached'})`;
  console.log(`${pinText}\n`);
  console.log(
    `added latency over direct at ${low} fps, same window (ms): ` +
      `router p50 ${f(routerAdded?.p50)} p99 ${f(routerAdded?.p99)}${ciText(routerAdded)};`,
  );
  console.log(
    `                                                  node floor p50 ${f(floorAdded?.p50)} p99 ${f(floorAdded?.p99)}` +
      `${ciText(floorAdded)};`,
  );
  console.log(
    `                                                  nginx  p50 ${f(nginxAdded?.p50)} p99 ${f(nginxAdded?.p99)}` +
      ciText(nginxAdded),
  );
  const bs = routerAdded?.bootstrap ?? floorAdded?.bootstrap ?? nginxAdded?.bootstrap;
  if (bs)
    console.log(
      `  p99 [95% interval]: moving-block bootstrap over the window's ${bs.pairs} (direct, proxy) pairs, ` +
        `blocks of ${bs.blockPairs} pairs (1 s), ${bs.resamples} resamples, seed ${bs.seed} (--seed N)`,
    );
  console.log(
    `highest rate held: direct ${heldText('direct')}, router ${heldText('router')}, ` +
      `node floor ${heldText('node-floor')}, nginx ${heldText('nginx')}`,
  );
  if (loadBound) console.log(`  ${loadBound}`);
  console.log(
    `proxy CPU per frame at ${common} fps (the highest rate router and nginx both held): ` +
      `router ${f(cpuPerFrame('router'), 0)} µs, node floor ${f(cpuPerFrame('node-floor'), 0)} µs, ` +
      `nginx ${f(cpuPerFrame('nginx'), 0)} µs`,
  );
  console.log("holds: every frame answered 200 and p99 ≤ max(2 × the path's p99 at the lowest rate, that p99 + 1 ms)");
  console.log(
    `target router p99 added < ${TARGET_ADDED_P99_MS} ms: ` +
      (routerAdded
        ? `${targets.routerAddedP99Ms.met ? 'met' : 'NOT met'} (${f(routerAdded.p99)} ms${ciText(routerAdded)}; ` +
          (targets.routerAddedP99Ms.metWithConfidence
            ? 'the whole 95% interval under it)'
            : 'the 95% interval reaches it)')
        : 'NOT measured (direct or router did not answer every frame at the lowest rate)'),
  );
  console.log(
    `target router throughput ≥ ${TARGET_THROUGHPUT_SHARE * 100}% of nginx's: ` +
      `${targets.routerThroughputShareOfNginx.met ? 'met' : shareKnown ? 'NOT met' : 'NOT established'} ` +
      `(${f(share * 100, 0)}%${shareKnown ? '' : ", at most: nginx's limit is above the rates tried"})`,
  );
  // The floor against the same targets: whether a router on Node's HTTP stack can meet them on this machine at all.
  const floorReach = {
    addedP99Ms: floorAdded?.p99 ?? NaN,
    addedP99UnderTarget: floorAdded !== undefined && floorAdded.p99 < TARGET_ADDED_P99_MS,
    throughputShareOfNginx: floorShare,
    throughputShareAtTarget: Number.isFinite(floorShare) && floorShare >= TARGET_THROUGHPUT_SHARE && shareKnown,
  };
  console.log(
    `node floor (node:http + undici, no Rim logic) against the targets: added p99 ${f(floorReach.addedP99Ms)} ms ` +
      `(${floorReach.addedP99UnderTarget ? 'under' : 'NOT under'} ${TARGET_ADDED_P99_MS} ms), throughput ` +
      `${f(floorShare * 100, 0)}% of nginx's; the router's share of the floor's throughput ` +
      `${f((held.router / held['node-floor']) * 100, 0)}%`,
  );
  mkdirSync('bench/results', { recursive: true });
  const json = {
    bench: 'router',
    at: new Date().toISOString(),
    wallS: Math.round((Date.now() - r.started) / 1000),
    module: 'one no-op module (node:http)',
    router:
      `${FROM_SRC ? 'src under tsx' : 'dist (tsc)'}, node ${[...APPLIANCE_NODE_FLAGS, ...EXTRA_FLAGS].join(' ')}` +
      (process.env.RIM_BENCH_HELPER_NICE ? `, helper threads at nice ${process.env.RIM_BENCH_HELPER_NICE}` : ''),
    nodeFloor:
      "bench/router/node-floor.ts: node:http + undici Pool (keep-alive), no Rim logic; the router's node flags",
    frameBytes: r.body.length,
    secondsPerRate: r.seconds,
    baselineSecondsInterleaved: r.baseSeconds,
    baseline: 'direct and one proxy take turns frame by frame; one window per proxy; after settling',
    settled: r.settled,
    warmupS: r.warmupS,
    holds: "every frame answered 200 and p99 <= max(2 x the path's p99 at the lowest rate, that p99 + 1 ms)",
    pinning: r.pinning,
    machine: {
      cpus: cpus().length,
      loadAvg1mAtStart: r.load0,
      loadAvg1mAtEnd: loadavg()[0]!,
      node: process.version,
      nginx: r.nginxVersion,
    },
    lowestRateFps: low,
    addedMs: { router: routerAdded, 'node-floor': floorAdded, nginx: nginxAdded },
    highestRateHeldFps: held,
    ...(loadBound ? { highestRateNote: loadBound } : {}),
    proxyCpuUsPerFrame: {
      atFps: common,
      router: cpuPerFrame('router'),
      'node-floor': cpuPerFrame('node-floor'),
      nginx: cpuPerFrame('nginx'),
    },
    targets,
    nodeFloorAgainstTargets: floorReach,
    rows,
  };
  writeFileSync('bench/results/router.json', `${JSON.stringify(json, null, 2)}\n`);
  console.log('wrote bench/results/router.json');
}

const role = process.argv[2];
if (role === 'module') await moduleRole();
else if (role === 'router') await routerRole(Number(process.argv[3]));
else await main();
