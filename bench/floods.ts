/**
 * bench:floods: what unauthenticated floods cost an appliance (issue 14).
 * Starts one appliance (with a cluster token, so the peer API is served) on
 * loopback, then runs four floods one after another, each bounded in time:
 *
 *   frames  150 concurrent 15 MB frame bodies to a deployment that does not exist
 *   peers   100 concurrent 8 MB unsigned bodies to /v1/peer/raft
 *   events  20,000 attempts to open /v1/events (those answered stay open)
 *   ids     5,000 badly signed peer requests, each under another peer id (one source address)
 *
 * Throughout, a probe process of its own samples the appliance's RSS
 * (/proc/<pid>/status) and times GET /healthz every 50 ms on a fresh
 * connection; the appliance's CPU time per phase is read from /proc. Floods come from other
 * loopback addresses (127.0.1.x) than the probe (127.0.0.1), as a LAN
 * attacker's would. Targets: peak RSS < 300 MB, /healthz within 100 ms.
 * Loopback only. Prints a table; writes bench/results/floods.json.
 *
 *   npm run bench:floods [-- --phase-seconds 20] [--phases frames,peers,events,ids] [--probe-api-port]
 *                        [--node-args '--cpu-prof --trace-gc'] [--appliance-log FILE]
 *                        [--no-pin]
 * (--node-args: options for the appliance's node; --appliance-log: its output, written there at the end)
 * CPU pinning (bench/cpu-pinning.ts): the appliance (every thread, and what it starts) on one core of its own,
 * the flooder and the probe (other machines on a LAN) on the others; none with fewer than 2 cores or --no-pin.
 * The appliance runs from the compiled build, as the image ships it: the bench builds it first (`npm run
 * build`); `--from-src` runs the TypeScript sources under tsx instead (source-mapped stack traces cost more).
 */
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { affinityOf, pin, pinBench, type Pinning } from './cpu-pinning.js';
import { mainThreadWaits, threadCpuBetween, threadCpuS, waitsBetween } from './sched-stat.js';
import { freePort, removeDir, spawnAppliance, tempDir, waitHealthy } from '../test/integration/appliance-process.js';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const PHASE_S = Number(option('--phase-seconds')) || 20;
const FROM_SRC = args.includes('--from-src');
/**
 * An attacker on the LAN and a health checker have CPUs of their own; here all three share the box's cores.
 * So by default the flooder (this process) runs at nice 19 and the probe at nice -10 (root), which keeps the
 * appliance's figures from being the probe's own wait for a core. `--same-priority` runs all three at 0.
 */
const SAME_PRIORITY = args.includes('--same-priority');
/**
 * The probe times `GET /healthz` on the appliance's health listener (`api.healthPort`), which a health checker
 * would call: the floods queue on the API's port. `--probe-api-port` times it on the API's port, behind them.
 */
const PROBE_API_PORT = args.includes('--probe-api-port');
/** `--phases events,ids`: run only these (by the name before the colon); all four when unset. */
const only = option('--phases') ? new Set(option('--phases')!.split(',')) : undefined;
const TARGET_RSS_MB = 300;
const TARGET_HEALTHZ_MS = 100;
const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const source = (i: number) => (i === ONE_ADDRESS ? '127.0.2.1' : `127.0.1.${1 + (i % 200)}`);
/**
 * The ids flood's one source address, used by no other flood: an address the events flood got cooled
 * down would refuse this flood at accept for reasons of its own.
 */
const ONE_ADDRESS = -1;

function rssMB(pid: number, field = 'VmRSS'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** One request: headers, then `bytes` of body in 1 MiB chunks (stops when the server answers or cuts). */
function flood(port: number, path: string, bytes: number, headers: Record<string, string>, i: number): Promise<string> {
  const chunk = Buffer.alloc(Math.min(MB, bytes || 1), 7);
  return new Promise((resolve) => {
    let done = false;
    const finish = (what: string) => {
      if (!done) {
        done = true;
        req.destroy();
        resolve(what);
      }
    };
    const req = http.request({
      host: '127.0.0.1',
      port,
      path,
      method: 'POST',
      agent: false,
      localAddress: source(i),
      headers: { ...headers, 'content-length': bytes },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => finish(String(res.statusCode)));
    });
    req.on('error', (e: NodeJS.ErrnoException) => finish(e.code ?? 'error'));
    req.setTimeout(PHASE_S * 1000, () => finish('timeout'));
    let sent = 0;
    const pump = () => {
      while (!done && sent < bytes) {
        const n = Math.min(chunk.length, bytes - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          req.once('drain', pump);
          return;
        }
      }
      if (!done) req.end();
    };
    pump();
  });
}

/** Opens /v1/events; 'held' streams stay open until `release` aborts. */
function openEvents(port: number, i: number, release: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get({
      host: '127.0.0.1',
      port,
      path: '/v1/events',
      agent: false,
      localAddress: source(i),
      signal: release,
    });
    req.on('response', (res) => {
      if (res.statusCode === 200) {
        res.on('data', () => undefined);
        resolve('200 (held)');
      } else {
        res.resume();
        resolve(String(res.statusCode));
      }
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    req.setTimeout(PHASE_S * 1000, () => {
      req.destroy();
      resolve('timeout');
    });
  });
}

/** Runs `n` tasks with at most `width` in flight; counts their outcomes. */
async function pool(n: number, width: number, task: (i: number) => Promise<string>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let next = 0;
  const lane = async () => {
    while (next < n) {
      const r = await task(next++);
      counts[r] = (counts[r] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, n) }, lane));
  return counts;
}

interface Probe {
  rssPeakMB: number;
  healthzMaxMs: number;
  healthzP99Ms: number;
  healthzFailed: number;
  /**
   * The longest TCP connect of a probe (SYN to handshake done, in the kernel: the appliance's loop plays no
   * part), and the connect part of the worst probe: what of the wait is not the appliance's event loop.
   */
  healthzConnectMaxMs: number;
  healthzWorstConnectMs: number;
  samples: number;
  /** CPU seconds (user + system) the appliance used during the phase. */
  applianceCpuS: number;
}

/**
 * Samples RSS and /healthz every 50 ms until told to stop, in a process of
 * its own: the floods keep this process busy (its event loop, its garbage
 * collector, its share of the cores), and none of that may be counted as the
 * appliance's latency. A worker thread of the flooder was used before; a
 * separate process shares nothing with the flooder but the machine. Each
 * phase starts a probe of its own, which asks three times before it starts
 * counting: a fresh process's first request costs it 40-60 ms of its own
 * (loading and compiling its HTTP client), which was counted as the
 * appliance's before (the 64-87 ms worst of the short phases).
 */
const PROBE = `
const http = require('node:http');
const fs = require('node:fs');
const [pid, port] = process.argv.slice(1).map(Number);
let stop = false;
process.on('message', () => { stop = true; });
const status = () => fs.readFileSync('/proc/' + pid + '/status', 'utf8');
const rss = () => Number((/VmRSS:\\s+(\\d+) kB/.exec(status()) || [0, NaN])[1]) / 1024;
// Resolves with the connect time (the kernel's handshake: no appliance code runs in it) when answered 200.
const get = () => new Promise((resolve) => {
  const t0 = performance.now(); let connectMs = NaN;
  const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: 2000 }, (res) => {
    res.resume(); res.on('end', () => resolve(res.statusCode === 200 ? connectMs : undefined));
  });
  req.on('socket', (s) => s.once('connect', () => { connectMs = performance.now() - t0; }));
  req.on('timeout', () => { req.destroy(); resolve(undefined); });
  req.on('error', () => resolve(undefined));
});
(async () => {
  const lat = []; let rssPeak = 0; let failed = 0; let connectMax = 0; let worst = { ms: 0, connectMs: 0 };
  // Not counted: a fresh process's first requests load and compile its own HTTP client (40-60 ms here).
  for (let i = 0; i < 3; i++) await get();
  process.send('ready');
  while (!stop) {
    rssPeak = Math.max(rssPeak, rss());
    const t0 = performance.now();
    const connectMs = await get();
    if (connectMs === undefined) failed++;
    else {
      const ms = performance.now() - t0;
      lat.push(ms);
      connectMax = Math.max(connectMax, connectMs);
      if (ms > worst.ms) worst = { ms, connectMs };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  process.send({ lat, rssPeak, failed, connectMax, worst }, () => process.exit(0));
})();
`;

/** A process's niceness (/proc/<pid>/stat, field 19). */
function niceOf(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
}

/** The appliance's CPU seconds so far (utime + stime from /proc/<pid>/stat). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Waits until the appliance's start-up work is done (its CPU under 5% in 3 seconds running; at most 60 s), so
 * that none of it (the hardware inventory spawns processes, the store is written) is counted as a flood's.
 * Resolves with the seconds waited.
 */
async function settle(pid: number): Promise<number> {
  const t0 = Date.now();
  let quiet = 0;
  while (quiet < 3 && Date.now() - t0 < 60_000) {
    const cpu0 = cpuSeconds(pid);
    await sleep(1000);
    quiet = cpuSeconds(pid) - cpu0 < 0.05 ? quiet + 1 : 0;
  }
  return Math.round((Date.now() - t0) / 100) / 10;
}

/** Starts the probe; resolves once it samples, with a function that stops it and returns its figures. */
async function probe(pid: number, port: number): Promise<() => Promise<Probe>> {
  const child = spawn(process.execPath, ['-e', PROBE, String(pid), String(port)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  if (!SAME_PRIORITY) {
    try {
      setPriority(child.pid!, -10);
    } catch (e) {
      console.warn(`the probe keeps its priority (${(e as Error).message}): run as root for nice -10`);
    }
  }
  const messages: unknown[] = [];
  let wake = () => undefined as void;
  child.on('message', (m) => {
    messages.push(m);
    wake();
  });
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      const take = () => (messages.length ? resolve(messages.shift()) : undefined);
      wake = take;
      child.once('exit', (code) => reject(new Error(`probe exited ${code}`)));
      take();
    });
  await next();
  const cpu0 = cpuSeconds(pid);
  return async () => {
    const cpu = cpuSeconds(pid) - cpu0;
    child.send('stop');
    const { lat, rssPeak, failed, connectMax, worst } = (await next()) as {
      lat: number[];
      rssPeak: number;
      failed: number;
      connectMax: number;
      worst: { ms: number; connectMs: number };
    };
    lat.sort((a, b) => a - b);
    const pct = (p: number) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]! : NaN);
    const round = (x: number) => Math.round(x * 10) / 10;
    return {
      rssPeakMB: round(rssPeak),
      healthzMaxMs: round(lat.at(-1) ?? NaN),
      healthzP99Ms: round(pct(0.99)),
      healthzFailed: failed,
      healthzConnectMaxMs: round(connectMax),
      healthzWorstConnectMs: round(worst.connectMs),
      samples: lat.length + failed,
      applianceCpuS: round(cpu),
    };
  };
}

interface PhaseResult extends Probe {
  phase: string;
  seconds: number;
  outcomes: Record<string, number>;
  logLines: number;
  /**
   * Connections dropped because a listen queue was full (the kernel's ListenOverflows, counted for the
   * whole network namespace): each costs its client a SYN retransmission, a second or more.
   */
  listenQueueOverflows: number;
  /** The appliance's own longest event-loop delay in the phase (its /metrics), ms. */
  loopDelayMaxMs: number;
  /** Its main thread's time runnable but without a core in the phase (s), and its preemptions. */
  runqueueWaitS: number;
  preempted: number;
  /** The appliance's CPU seconds in the phase by thread ("main": its event loop; the rest, helper threads). */
  threadCpuS: Record<string, number>;
}

/**
 * The appliance's longest event-loop delay since the last call (ms), from its own /metrics (prom-client's
 * `nodejs_eventloop_lag_max_seconds`, a perf_hooks histogram at 10 ms resolution, reset by each scrape).
 */
async function loopDelayMaxMs(port: number): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const m = /^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text);
    return m ? Math.round(Number(m[1]) * 10_000) / 10 : NaN;
  } catch {
    return NaN;
  }
}

function listenOverflows(): number {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  const i = lines.findIndex((l) => l.startsWith('TcpExt:'));
  const names = lines[i]!.split(' ');
  return Number(lines[i + 1]!.split(' ')[names.indexOf('ListenOverflows')]);
}

async function main(): Promise<void> {
  if (!FROM_SRC) {
    console.log('building the appliance (npm run build): the bench runs dist/src/main.js');
    execFileSync('npm', ['run', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  console.log(`appliance from ${FROM_SRC ? 'src/main.ts under tsx' : 'dist/src/main.js'}`);
  // Before the appliance starts: this process (the flooder) moves to the load CPUs; the probes inherit them.
  const pinning = pinBench(args);
  console.log(`priorities: ${SAME_PRIORITY ? 'all at nice 0' : 'flooder nice 19, probe nice -10, appliance 0'}`);
  const port = await freePort();
  const healthPort = await freePort();
  const probed = PROBE_API_PORT ? 'the API port' : 'the health listener (api.healthPort)';
  console.log(`/healthz probed on ${probed}`);
  const dataDir = tempDir('rim-floods-');
  const app = spawnAppliance(
    {
      RIM_API_PORT: String(port),
      RIM_API_HEALTH_PORT: String(healthPort),
      RIM_API_HOST: '127.0.0.1',
      RIM_DATA_DIR: dataDir,
      RIM_CLUSTER_TOKEN: 'floods-bench-cluster-token-0123456789',
      RIM_NODE_ID: 'floods',
    },
    option('--node-args')?.split(' ').filter(Boolean) ?? [],
    FROM_SRC ? 'src' : 'dist',
  );
  // The flooder lowers its priority only now: a child inherits its parent's niceness, and before round 8 the
  // appliance, spawned after this call, ran at nice 19 (as the flooder), behind anything else on its core.
  if (!SAME_PRIORITY) setPriority(19);
  const results: PhaseResult[] = [];
  try {
    // Pinned at once: its start-up (and the processes its hardware inventory runs) on its own core too.
    if ('sut' in pinning) pin(app.child.pid!, pinning.sut);
    await waitHealthy(app, 60_000);
    const pid = app.child.pid!;
    const pinReport: (Pinning | { none: string }) & { affinity: Record<string, string> } = {
      ...('sut' in pinning ? pinning : { none: pinning.reason }),
      affinity: { appliance: affinityOf(pid), flooder: affinityOf(process.pid) },
    };
    const applianceNice = niceOf(pid);
    console.log(`appliance niceness (from /proc): ${applianceNice}`);
    console.log(
      `CPUs allowed (from /proc, every thread): appliance ${pinReport.affinity.appliance}, flooder and probe ` +
        `${pinReport.affinity.flooder}`,
    );
    const settledAfterS = await settle(pid);
    console.log(`appliance settled ${settledAfterS} s after /healthz first answered`);
    const idleMB = rssMB(pid);
    const refusedLines = () =>
      app
        .stdout()
        .split('\n')
        .filter((l) => l.includes('peer request refused')).length;

    const phase = async (name: string, run: () => Promise<Record<string, number>>) => {
      if (only && !only.has(name.split(':')[0]!)) return;
      await loopDelayMaxMs(port); // resets the appliance's own event-loop delay histogram
      const stop = await probe(pid, PROBE_API_PORT ? port : healthPort);
      const lines0 = refusedLines();
      const overflows0 = listenOverflows();
      const waits0 = mainThreadWaits(pid);
      const threads0 = threadCpuS(pid);
      const t0 = Date.now();
      const outcomes = await Promise.race([
        run(),
        sleep(PHASE_S * 1000 * 2).then(() => ({ 'phase cut at its time bound': 1 })),
      ]);
      const seconds = Math.round((Date.now() - t0) / 100) / 10;
      await sleep(500);
      const listenQueueOverflows = listenOverflows() - overflows0;
      const loopDelayMs = await loopDelayMaxMs(port);
      const waits = mainThreadWaits(pid);
      results.push({
        loopDelayMaxMs: loopDelayMs,
        ...waitsBetween(waits0, waits),
        threadCpuS: threadCpuBetween(threads0, threadCpuS(pid)),
        phase: name,
        seconds,
        outcomes,
        logLines: refusedLines() - lines0,
        listenQueueOverflows,
        ...(await stop()),
      });
      console.log(`${name}: ${JSON.stringify(results.at(-1))}`);
    };

    await phase('frames: 150 × 15 MB to an unknown deployment', () =>
      pool(150, 150, (i) => flood(port, '/v1/deployments/no-such-deployment/frames', 15 * MB, {}, i)),
    );
    await phase('peers: 100 × 8 MB unsigned to /v1/peer/raft', () =>
      pool(100, 100, (i) => flood(port, '/v1/peer/raft', 8 * MB, { 'content-type': 'application/json' }, i)),
    );
    const release = new AbortController();
    setMaxListeners(0, release.signal);
    await phase('events: 20,000 attempts to open /v1/events', async () => {
      const counts = await pool(20_000, 1000, (i) => openEvents(port, i, release.signal));
      return counts;
    });
    release.abort();
    await phase('ids: 5,000 badly signed peer requests, one peer id each', () =>
      pool(5000, 200, (i) => {
        const headers = {
          'rim-peer-id': `forged-${i}`,
          'rim-peer-timestamp': String(Date.now()),
          'rim-peer-nonce': i.toString(16).padStart(24, '0'),
          'rim-peer-signature': 'f'.repeat(64),
        };
        return flood(port, '/v1/peer/raft', 2, headers, ONE_ADDRESS);
      }),
    );

    const peak = rssMB(pid, 'VmHWM');
    const worstHealthz = Math.max(...results.map((r) => r.healthzMaxMs));
    const out = {
      at: new Date().toISOString(),
      appliance: FROM_SRC ? 'src (tsx)' : 'dist',
      probed,
      priorities: SAME_PRIORITY ? 'all nice 0' : 'flooder nice 19, probe nice -10, appliance 0',
      applianceNice,
      pinning: pinReport,
      settledAfterS,
      idleRssMB: Math.round(idleMB * 10) / 10,
      peakRssMB: Math.round(peak * 10) / 10,
      worstHealthzMs: worstHealthz,
      healthzFailed: results.reduce((a, r) => a + r.healthzFailed, 0),
      targets: { rssMB: TARGET_RSS_MB, healthzMs: TARGET_HEALTHZ_MS },
      met: { rss: peak < TARGET_RSS_MB, healthz: worstHealthz <= TARGET_HEALTHZ_MS },
      phases: results,
    };
    console.log(
      `\n${'phase'.padEnd(50)}    s  peak RSS MB  /healthz max/p99 ms  fails  log  samples  cpu s  overflows` +
        `  loop delay max ms  connect max / of worst ms  runqueue wait s / preempted`,
    );
    for (const r of results) {
      console.log(
        `${r.phase.padEnd(50)} ${String(r.seconds).padStart(4)}  ${String(r.rssPeakMB).padStart(10)}  ` +
          `${`${r.healthzMaxMs}/${r.healthzP99Ms}`.padStart(19)}  ${String(r.healthzFailed).padStart(5)}  ` +
          `${r.logLines}  ${r.samples}  ${r.applianceCpuS}  ${r.listenQueueOverflows}  ${r.loopDelayMaxMs}  ` +
          `${r.healthzConnectMaxMs} / ${r.healthzWorstConnectMs}  ${r.runqueueWaitS} / ${r.preempted}`,
      );
    }
    console.log(
      `\nidle RSS ${out.idleRssMB} MB; peak RSS (VmHWM) ${out.peakRssMB} MB (target < ${TARGET_RSS_MB}); ` +
        `worst /healthz ${worstHealthz} ms (target ≤ ${TARGET_HEALTHZ_MS}); /healthz failures ${out.healthzFailed}`,
    );
    console.log(
      'sut' in pinning
        ? `CPU pinning: appliance on CPU ${pinning.sut}, flooder and probe on CPU ${pinning.load}`
        : `CPU pinning: none (${pinning.reason})`,
    );
    // A run of some phases only is for looking into one: it does not replace the full run's figures.
    if (!only) writeFileSync('bench/results/floods.json', `${JSON.stringify(out, null, 2)}\n`);
  } finally {
    app.child.kill('SIGTERM');
    await Promise.race([app.exited, sleep(8000)]);
    if (app.child.exitCode === null) app.child.kill('SIGKILL');
    removeDir(dataDir);
    if (option('--appliance-log')) writeFileSync(option('--appliance-log')!, app.stdout() + app.stderr());
  }
}

await main();
