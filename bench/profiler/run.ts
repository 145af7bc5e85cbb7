/**
 * npm run bench:profiler — the profiler against calibrated truth on the real
 * Docker engine, with emulated accelerators (CPU quotas) of different speeds:
 *  1. the load generator's ceiling (in-process no-op server; no-op module);
 *  2. one calibrated module on one core and on emulated 1.0 and 0.5 cores;
 *  3. the 3-module synthetic sample app on two emulated models.
 * Prints tables and writes bench/results/profiler.json. Timings are reported,
 * never asserted.
 * Options (env): BENCH_SKIP_APP=1 skips part 3.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { ensureImages } from '../../test/support/images.js';
import { parseManifest } from '../../src/domain/manifest.js';
import { CPU_MODEL, WHOLE_APP, profileIdentity } from '../../src/domain/profiling/profile-key.js';
import type { RegisteredApp, StoredProfile } from '../../src/domain/types.js';
import { generatorCeiling } from './ceiling.js';
import { calibratedApp, emulated, NOOP_IMAGE, oneBoxProfiler, SYNTHETIC_IMAGE, truth } from './fixtures.js';

interface Row {
  profile: string;
  trueFps: number;
  maxFps: number;
  fpsErrPct: number;
  trueLatencyMs: number;
  latencyMs: number;
  latErrPct: number;
  p95LightMs?: number;
  cpuCores: number;
  memoryMB: number;
  seconds: number;
  state: string;
}

const errPct = (got: number, want: number): number => Math.round(((got - want) / want) * 1000) / 10;

function row(p: StoredProfile, t: { maxFps: number; latencyMs: number }): Row {
  const d = p.detail as { durationMs?: number; latency?: { light?: { p95?: number } } } | undefined;
  return {
    profile: profileIdentity(p),
    trueFps: Math.round(t.maxFps * 100) / 100,
    maxFps: p.maxFps,
    fpsErrPct: errPct(p.maxFps, t.maxFps),
    trueLatencyMs: t.latencyMs,
    latencyMs: p.latencyMs,
    latErrPct: errPct(p.latencyMs, t.latencyMs),
    ...(d?.latency?.light?.p95 !== undefined ? { p95LightMs: d.latency.light.p95 } : {}),
    cpuCores: p.cpuCores,
    memoryMB: p.memoryMB,
    seconds: Math.round((d?.durationMs ?? 0) / 100) / 10,
    state: p.state + (p.reason ? `: ${p.reason}` : ''),
  };
}

async function main(): Promise<void> {
  await ensureImages(['synthetic', 'noop']);
  const started = Date.now();
  const result: Record<string, unknown> = {
    machine: { cpus: cpus().length, loadavgAtStart: loadavg().map((x) => Math.round(x * 100) / 100) },
  };

  // 1. Ceilings.
  const ceiling = await generatorCeiling();
  console.log('\nLoad generator ceiling (in-process no-op server, closed loop):');
  console.table(ceiling);
  const node = `bench-${process.pid}`;
  const engine0 = (await oneBoxProfiler({ nodeId: node, accelerators: [], apps: [] })).engine;
  const noopDigest = (await engine0.inspectImage(NOOP_IMAGE)).digest;
  const synthDigest = (await engine0.inspectImage(SYNTHETIC_IMAGE)).digest;
  const noopInfo = await engine0.inspectImage(NOOP_IMAGE);
  const noop: RegisteredApp = {
    name: 'noop',
    image: NOOP_IMAGE,
    digest: noopDigest,
    registeredAt: 0,
    manifest: parseManifest(noopInfo.manifestLabel!),
  };

  // 2. Calibrated single modules.
  const calib = [
    { app: calibratedApp('calib-cpu', synthDigest, 25, 'cpu'), model: CPU_MODEL, cpus: 1 },
    { app: calibratedApp('calib-gpu', synthDigest, 30), model: 'emu-1.0', cpus: 1 },
    { app: calibratedApp('calib-gpu', synthDigest, 30), model: 'emu-0.5', cpus: 0.5 },
  ];
  const b = await oneBoxProfiler({
    nodeId: node,
    accelerators: [emulated('emu-1.0', 1), emulated('emu-0.5', 0.5)],
    apps: [noop, calib[0]!.app, calib[1]!.app],
  });
  const noopProfile = await b.profiler.measure({
    app: 'noop',
    module: 'noop',
    accelerator: CPU_MODEL,
    digest: noopDigest,
  });
  console.log(
    `\nNo-op module (COST_MS=0, 1 core) through the profiler: ${noopProfile.maxFps} frames/s, ` +
      `p50 ${noopProfile.latencyMs} ms at light load, ${noopProfile.cpuCores} cores ` +
      `(${noopProfile.state}${noopProfile.reason ? `: ${noopProfile.reason}` : ''})`,
  );
  const calRows: Row[] = [];
  for (const c of calib) {
    const p = await b.profiler.measure({ app: c.app.name, module: 'work', accelerator: c.model, digest: synthDigest });
    calRows.push(row(p, truth(Number(c.app.manifest.modules[0]!.env!.COST_MS), c.cpus)));
  }
  console.log('\nCalibrated module (COST_MS per frame, FIFO, one at a time) vs truth:');
  console.table(calRows);

  // 3. The 3-module sample app on two emulated accelerator models.
  let appRows: Row[] = [];
  let appSeconds = 0;
  if (process.env.BENCH_SKIP_APP !== '1') {
    const info = await engine0.inspectImage(SYNTHETIC_IMAGE);
    const sample: RegisteredApp = {
      name: 'synthetic',
      image: SYNTHETIC_IMAGE,
      digest: synthDigest,
      registeredAt: 0,
      manifest: parseManifest(info.manifestLabel!),
    };
    const s = await oneBoxProfiler({
      nodeId: `${node}-app`,
      accelerators: [emulated('emu-fast', 1), emulated('emu-slow', 0.5)],
      apps: [sample],
    });
    const t0 = Date.now();
    await s.profiler.refresh();
    appSeconds = Math.round((Date.now() - t0) / 100) / 10;
    const cost = (m: string, v?: string): number => {
      const mod = sample.manifest.modules.find((x) => x.name === m)!;
      return Number((mod.variants?.find((x) => x.name === v)?.env ?? mod.env)!.COST_MS);
    };
    const quota = (model: string): number => (model === 'emu-slow' ? 0.5 : 1);
    appRows = s.store.read().profiles.map((p) => {
      if (p.module === WHOLE_APP) {
        const costs = sample.manifest.modules.map((m) => ({
          c: cost(m.name),
          q: m.accelerator === 'gpu' ? quota(p.accelerator) : 1,
        }));
        const maxFps = Math.min(...costs.map((x) => (x.q * 1000) / x.c));
        return row(p, { maxFps, latencyMs: costs.reduce((a, x) => a + x.c, 0) });
      }
      return row(p, truth(cost(p.module, p.variant), quota(p.accelerator)));
    });
    console.log(
      '\nSample app "synthetic" (decode cpu → detect gpu [+tiny] → track cpu) ' +
        `on emu-fast (1.0 cpu) and emu-slow (0.5 cpu): ${appRows.length} profiles in ${appSeconds} s`,
    );
    console.table(appRows);
    await s.close();
  }
  await b.close();

  Object.assign(result, {
    generatorCeiling: ceiling,
    noopModule: {
      maxFps: noopProfile.maxFps,
      latencyMs: noopProfile.latencyMs,
      cpuCores: noopProfile.cpuCores,
      state: noopProfile.state,
      reason: noopProfile.reason,
    },
    calibrated: calRows,
    sampleApp: { seconds: appSeconds, profiles: appRows },
    loadavgAtEnd: loadavg().map((x) => Math.round(x * 100) / 100),
    totalSeconds: Math.round((Date.now() - started) / 1000),
    at: new Date().toISOString(),
  });
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/profiler.json', JSON.stringify(result, null, 2));
  console.log('\nwritten bench/results/profiler.json');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
