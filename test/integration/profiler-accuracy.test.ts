/**
 * The profiler on the real Docker engine against calibrated truth. The
 * synthetic module burns COST_MS of CPU per frame, one frame at a time: on an
 * emulated accelerator of q ≤ 1 core it sustains q·1000/COST_MS frames/s and
 * at light load answers in COST_MS. Measured max fps and light-load latency
 * must be within 10% of that (accuracy, not speed: no timing is asserted).
 * The box is shared, so costs are 15–40 ms and quotas at most one core, and
 * each test first waits (bounded) for the box to be quiet. COST_MS is the
 * module's compute only: latency allows HOP_MS per HTTP exchange on top of
 * 10% (a 16 KiB frame in and out, on this 2-vCPU VM: 2–3 ms measured with a
 * plain sequential client against the same container).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { ensureImages } from '../support/images.js';
import { parseManifest } from '../../src/domain/manifest.js';
import { CPU_MODEL, WHOLE_APP, profileIdentity } from '../../src/domain/profiling/profile-key.js';
import type { RegisteredApp, StoredProfile } from '../../src/domain/types.js';
import {
  calibratedApp,
  emulated,
  oneBoxProfiler,
  SYNTHETIC_IMAGE,
  truth,
  waitForQuietBox,
  type Bench,
} from '../../bench/profiler/fixtures.js';

const NODE = `profacc-${process.pid}`;
/** What one HTTP exchange adds to a frame's compute (ms). */
const HOP_MS = 2;
const benches: Bench[] = [];
let digest: string;
let sampleApp: RegisteredApp;

function leftBehind(node: string): string[] {
  const out = execFileSync(
    'docker',
    [
      'ps',
      '-a',
      '--filter',
      'label=rim.role=profiling',
      '--filter',
      `label=rim.node=${node}`,
      '--format',
      '{{.Names}}',
    ],
    { encoding: 'utf8' },
  );
  return out.split('\n').filter(Boolean);
}

/** What is off in `p` against the truth (empty when within tolerance). */
function offBy(p: StoredProfile, want: { maxFps: number; latencyMs: number }, hops = 1, tolerance = 0.1): string[] {
  const allowance = hops * HOP_MS;
  const id = profileIdentity(p);
  if (p.state !== 'ok') return [`${id}: ${p.state}: ${p.reason ?? ''}`];
  const fpsErr = Math.abs(p.maxFps - want.maxFps) / want.maxFps;
  const latOff = Math.abs(p.latencyMs - want.latencyMs);
  const out: string[] = [];
  if (fpsErr > tolerance)
    out.push(`${id}: max fps ${p.maxFps}, truth ${want.maxFps.toFixed(2)} (${(fpsErr * 100).toFixed(1)}% off)`);
  if (latOff > want.latencyMs * tolerance + allowance)
    out.push(
      `${id}: latency ${p.latencyMs} ms, truth ${want.latencyMs} ms + ${allowance} ms for HTTP ` +
        `(${((latOff / want.latencyMs) * 100).toFixed(1)}% off)`,
    );
  return out;
}

/**
 * Other work on a shared box only ever slows a module down (lower fps, higher
 * latency), never the other way, so a figure off the truth is measured again,
 * up to `attempts` times in all, and the test judges the last: a systematic
 * error stays off, a disturbed run does not.
 */
async function offAfterRetries(
  first: StoredProfile,
  want: { maxFps: number; latencyMs: number },
  measure: () => Promise<StoredProfile>,
  hops = 1,
  attempts = 3,
): Promise<string[]> {
  let p = first;
  const tries: string[] = [];
  for (let i = 1; ; i++) {
    const off = offBy(p, want, hops);
    if (off.length === 0 || i >= attempts || p.state !== 'ok')
      return off.map((o) => `${o}${tries.length ? ` [earlier tries: ${tries.join('; ')}]` : ''}`);
    tries.push(`${p.maxFps} fps ${p.latencyMs} ms`);
    await waitForQuietBox(30_000);
    p = await measure();
  }
}

/** Asserts every figure at once, so a failure shows them all (and the box's load). */
function assertAllNear(checks: string[][]): void {
  const off = checks.flat();
  assert.deepEqual(
    off,
    [],
    `off the calibrated truth (load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} on ${cpus().length} cores):\n${off.join('\n')}`,
  );
}

before(async () => {
  await ensureImages(['synthetic']);
  const b = await oneBoxProfiler({ nodeId: NODE, accelerators: [], apps: [], logLevel: 'error' });
  benches.push(b);
  const info = await b.engine.inspectImage(SYNTHETIC_IMAGE);
  digest = info.digest;
  sampleApp = {
    name: 'synthetic',
    image: SYNTHETIC_IMAGE,
    digest,
    registeredAt: 0,
    manifest: parseManifest(info.manifestLabel!),
  };
});

after(async () => {
  for (const b of benches) {
    for (const r of await b.engine.listReplicas(b.nodeId)) await b.engine.remove(r.containerId);
    await b.close();
  }
});

test('one calibrated module on one core and on emulated accelerators of 1.0 and 0.5 cores', async () => {
  const gpu = calibratedApp('calib-gpu', digest, 30);
  const cpu = calibratedApp('calib-cpu', digest, 30, 'cpu');
  const b = await oneBoxProfiler({
    nodeId: NODE,
    accelerators: [emulated('emu-1', 1), emulated('emu-half', 0.5)],
    apps: [gpu, cpu],
    logLevel: 'error',
  });
  benches.push(b);
  await waitForQuietBox();
  const check = async (
    app: string,
    accelerator: string,
    want: { maxFps: number; latencyMs: number },
  ): Promise<string[]> => {
    const measure = () => b.profiler.measure({ app, module: 'work', accelerator, digest });
    return offAfterRetries(await measure(), want, measure);
  };
  assertAllNear([
    await check('calib-cpu', CPU_MODEL, truth(30, 1)),
    await check('calib-gpu', 'emu-1', truth(30, 1)),
    await check('calib-gpu', 'emu-half', truth(30, 0.5)),
  ]);
  assert.deepEqual(leftBehind(NODE), []);
});

test('the 3-module sample app on two emulated accelerators: every module, variant and the whole app', async () => {
  const node = `${NODE}-app`;
  const b = await oneBoxProfiler({
    nodeId: node,
    accelerators: [emulated('emu-fast', 1), emulated('emu-slow', 0.5)],
    apps: [sampleApp],
    logLevel: 'error',
  });
  benches.push(b);
  await waitForQuietBox();
  const report = await b.profiler.refresh();
  const profiles = b.store.read().profiles;
  assert.deepEqual(profiles.map(profileIdentity).sort(), [
    'synthetic/*/default@emu-fast',
    'synthetic/*/default@emu-slow',
    'synthetic/decode/default@cpu',
    'synthetic/detect/default@emu-fast',
    'synthetic/detect/default@emu-slow',
    'synthetic/detect/tiny@emu-fast',
    'synthetic/detect/tiny@emu-slow',
    'synthetic/track/default@cpu',
  ]);
  assert.equal(report.profiled.length, 8);
  const get = (module: string, accelerator: string, variant?: string): StoredProfile =>
    profiles.find((p) => p.module === module && p.accelerator === accelerator && p.variant === variant)!;
  // The light CPU modules (4 and 2 ms) measured fine; every module got its upstream's output as input.
  for (const m of ['decode', 'track'])
    assert.equal(get(m, CPU_MODEL).state, 'ok', `${m}: ${get(m, CPU_MODEL).reason ?? ''}`);
  const inputBytes = (p: StoredProfile): unknown => (p.detail as { inputBytes?: number }).inputBytes;
  assert.equal(inputBytes(get('decode', CPU_MODEL)), 16384, 'decode gets /rim/sample.bin, read out of the image');
  assert.equal(inputBytes(get('detect', 'emu-fast')), 16384, "detect gets decode's output (OUT_BYTES=16384)");
  assert.equal(inputBytes(get('detect', 'emu-slow', 'tiny')), 16384);
  assert.equal(inputBytes(get('track', CPU_MODEL)), 1024, "track gets detect's output (OUT_BYTES=1024)");
  assert.deepEqual(leftBehind(node), []);
  const check = (
    module: string,
    accelerator: string,
    want: { maxFps: number; latencyMs: number },
    variant?: string,
    hops = 1,
  ): Promise<string[]> =>
    offAfterRetries(
      get(module, accelerator, variant),
      want,
      () => b.profiler.measure({ app: 'synthetic', module, accelerator, digest, ...(variant ? { variant } : {}) }),
      hops,
    );
  assertAllNear([
    // The GPU module (40 ms; tiny: 15 ms) on quotas 1.0 and 0.5.
    await check('detect', 'emu-fast', truth(40, 1)),
    await check('detect', 'emu-slow', truth(40, 0.5)),
    await check('detect', 'emu-fast', truth(15, 1), 'tiny'),
    await check('detect', 'emu-slow', truth(15, 0.5), 'tiny'),
    // The whole DAG on one node: the GPU module is the bottleneck; latency is the chain's (4 + 40 + 2 ms, 3 hops).
    await check(WHOLE_APP, 'emu-fast', { maxFps: 25, latencyMs: 46 }, undefined, 3),
    await check(WHOLE_APP, 'emu-slow', { maxFps: 12.5, latencyMs: 46 }, undefined, 3),
  ]);
});
