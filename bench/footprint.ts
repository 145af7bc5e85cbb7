/**
 * bench:footprint: how light the appliance is at idle. Builds dist (tsc),
 * starts `node dist/src/main.js` with the appliance's node flags (what `npm start` runs) on a free port and a
 * temp data dir, times start → /healthz, registers and deploys two sample
 * apps, waits for their replicas, then samples the appliance process's RSS and
 * CPU from /proc/<pid>/{status,stat} over an idle window (60 s by default).
 * Targets: idle RSS < 120 MB, idle CPU < 1% of a core.
 *
 *   npm run bench:footprint [-- --seconds 60] [-- --no-build]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APPLIANCE_NODE_FLAGS } from './router/node-flags.js';

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1]) || 60;
const build = !args.includes('--no-build');
const TARGET_RSS_MB = 120;
const TARGET_CPU_PCT = 1;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cpuTicks(pid: number): number {
  // Fields after the command name "(…)": state is field 3; utime 14, stime 15.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}
function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const v = await check().catch(() => undefined);
    if (v) return v;
    await sleep(50);
  }
  throw new Error(`timed out: ${what}`);
}

async function main(): Promise<void> {
  if (build) {
    try {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'pipe' });
    } catch (e) {
      // tsc still emits when another part has a type error; say so and go on.
      const report = String((e as { stdout?: Buffer }).stdout ?? '').slice(0, 2000);
      process.stderr.write(`bench: tsc reported errors (dist was still emitted):\n${report}\n`);
    }
  }
  execFileSync('bash', ['images/build.sh', 'synthetic', 'noop'], { stdio: 'ignore' });
  const dataDir = mkdtempSync(join(tmpdir(), 'rim-bench-'));
  const port = await freePort();
  const node = `bench-footprint-${process.pid}`;
  const base = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, [...APPLIANCE_NODE_FLAGS, 'dist/src/main.js'], {
    env: {
      ...process.env,
      RIM_API_PORT: String(port),
      RIM_API_HOST: '127.0.0.1',
      RIM_DATA_DIR: dataDir,
      RIM_NODE_ID: node,
      // Idle means nothing to do: the profiler (which would measure the two apps for minutes) is off.
      RIM_LOG_LEVEL: 'warn',
      RIM_CLUSTER_DISCOVERY_MDNS: 'false',
      RIM_PROFILING_ENABLED: 'false',
      RIM_ACCELERATORS_EMULATE: JSON.stringify([{ model: 'RTX 2080 Ti', cpus: 0.5 }]),
      RIM_PORTS_RANGE: JSON.stringify({ from: 19000 + (process.pid % 100) * 10, to: 19009 + (process.pid % 100) * 10 }),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const pid = child.pid!;
  try {
    await waitFor('healthz', async () => (await fetch(`${base}/healthz`)).ok || undefined, 10_000);
    const startMs = performance.now() - t0;
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const post = async (path: string, body: unknown) => {
      const r = await fetch(base + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
      if (!r.ok) throw new Error(`POST ${path}: ${r.status} ${await r.text()}`);
    };
    await waitFor('readyz', async () => (await fetch(`${base}/readyz`)).ok || undefined, 10_000);
    await post('/v1/apps', { image: 'rim/sample-synthetic:latest' });
    await post('/v1/apps', { image: 'rim/sample-noop:latest' });
    await post('/v1/deployments', { name: 'cam1', app: 'synthetic', fps: 5, latencyMs: 800 });
    await post('/v1/deployments', { name: 'mic1', app: 'noop' });
    const replicas = await waitFor(
      'replicas running',
      async () => {
        const n = (await (await fetch(`${base}/v1/nodes/${node}`)).json()) as { replicas: { state: string }[] };
        return n.replicas.length === 4 && n.replicas.every((r) => r.state === 'running')
          ? n.replicas.length
          : undefined;
      },
      120_000,
    );
    await sleep(5000); // let start-up work settle
    const rss: number[] = [rssMB(pid)];
    const ticks0 = cpuTicks(pid);
    const w0 = performance.now();
    for (let s = 0; s < seconds; s += 5) {
      await sleep(Math.min(5, seconds - s) * 1000);
      rss.push(rssMB(pid));
    }
    const wall = (performance.now() - w0) / 1000;
    const cpuPct = ((cpuTicks(pid) - ticks0) / CLK_TCK / wall) * 100;
    const result = {
      at: new Date().toISOString(),
      node: process.version,
      seconds: Math.round(wall),
      replicas,
      startToHealthzMs: Math.round(startMs),
      idleRssMB: { mean: +(rss.reduce((a, b) => a + b, 0) / rss.length).toFixed(1), max: +Math.max(...rss).toFixed(1) },
      idleCpuPctOfCore: +cpuPct.toFixed(3),
      targets: { rssMB: TARGET_RSS_MB, cpuPct: TARGET_CPU_PCT },
      pass: { rss: Math.max(...rss) < TARGET_RSS_MB, cpu: cpuPct < TARGET_CPU_PCT },
    };
    const rows: [string, string, string][] = [
      ['start → /healthz', `${result.startToHealthzMs} ms`, '< 10000 ms'],
      ['idle RSS (mean / max)', `${result.idleRssMB.mean} / ${result.idleRssMB.max} MB`, `< ${TARGET_RSS_MB} MB`],
      [`idle CPU over ${result.seconds} s`, `${result.idleCpuPctOfCore}% of a core`, `< ${TARGET_CPU_PCT}%`],
      ['replicas running', String(replicas), '4'],
    ];
    const w = [Math.max(...rows.map((r) => r[0].length)), Math.max(...rows.map((r) => r[1].length))];
    console.log(`${'measure'.padEnd(w[0]!)}  ${'value'.padEnd(w[1]!)}  target`);
    for (const r of rows) console.log(`${r[0].padEnd(w[0]!)}  ${r[1].padEnd(w[1]!)}  ${r[2]}`);
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/footprint.json', `${JSON.stringify(result, null, 2)}\n`);
    console.log('wrote bench/results/footprint.json');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=rim.node=${node}`])
      .toString()
      .split('\n')
      .filter(Boolean);
    if (ids.length) execFileSync('docker', ['rm', '-f', '-v', ...ids], { stdio: 'ignore' });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
