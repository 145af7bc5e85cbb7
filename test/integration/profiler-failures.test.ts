/**
 * The profiler on the real Docker engine when modules misbehave: never
 * healthy, exiting at start, crashing midway, answering errors, hanging. Each
 * gives a `failed` profile with the reason, within the run's bounds, and no
 * profiling container is left (checked by label). Also: stopping the
 * appliance midway removes the replica and stores nothing; the startup sweep
 * removes what a killed appliance left.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { ensureImages } from '../support/images.js';
import { calibratedApp, emulated, oneBoxProfiler, SYNTHETIC_IMAGE, type Bench } from '../../bench/profiler/fixtures.js';
import { buildReplicaSpec } from '../../src/domain/replica-spec.js';
import { sleep } from '../../src/sleep.js';
import { ProfilerService } from '../../src/profiler/profiler-service.js';

const NODE = `proffail-${process.pid}`;
let bench: Bench;
let digest: string;

/** Profiling containers of this test's node that Docker still has, by label (its sandbox stays, as on a box). */
function leftBehind(): string[] {
  const out = execFileSync(
    'docker',
    [
      'ps',
      '-a',
      '--filter',
      'label=rim.role=profiling',
      '--filter',
      `label=rim.node=${NODE}`,
      '--format',
      '{{.Names}}',
    ],
    { encoding: 'utf8' },
  );
  return out.split('\n').filter(Boolean);
}

const FAST_FAIL = {
  healthTimeoutMs: 4000,
  hangMs: 2500,
  requestTimeoutMs: 2000,
  maxRunMs: 40_000,
  warmupMs: 300,
  windowMs: 300,
  minSamples: 5,
};

before(async () => {
  await ensureImages(['synthetic']);
  bench = await oneBoxProfiler({
    nodeId: NODE,
    accelerators: [emulated('emu-fail', 0.5)],
    apps: [],
    tuning: FAST_FAIL,
    logLevel: 'error',
  });
  digest = (await bench.engine.inspectImage(SYNTHETIC_IMAGE)).digest;
});

after(async () => {
  for (const r of await bench.engine.listReplicas(NODE)) await bench.engine.remove(r.containerId);
  await bench.close();
});

const cases: Array<{ mode: string; reason: RegExp }> = [
  { mode: 'never-healthy', reason: /never became healthy: \/healthz did not answer 200 within 4 s \(last: HTTP 503\)/ },
  { mode: 'exit-at-start', reason: /the container exited with code 3 before \/healthz answered 200/ },
  { mode: 'crash-after:5', reason: /the container exited with code 1 \(crashed\)/ },
  { mode: 'error-rate:0.5', reason: /answered errors: \d+% of requests failed \((work: )?HTTP 500\)/ },
  {
    mode: 'hang',
    reason: /(no answer to \/infer within 2500 ms|every warm-up request timed out) \(the module hangs\)/,
  },
];

test('a module that never gets healthy, exits, crashes, errs or hangs: a failed profile with the reason', async () => {
  const apps = cases.map((c, i) => calibratedApp(`fail-${i}`, digest, 5, 'gpu', { FAIL_MODE: c.mode }));
  await bench.store.update((doc) => {
    doc.apps = apps;
  });
  const report = await bench.profiler.refresh({ apps: apps.map((a) => a.name) });
  const profiles = bench.store.read().profiles;
  cases.forEach((c, i) => {
    for (const module of ['work', '*']) {
      const p = profiles.find((q) => q.app === `fail-${i}` && q.module === module && q.accelerator === 'emu-fail');
      assert.ok(p, `a profile for fail-${i}/${module}`);
      assert.equal(p.state, 'failed', `${c.mode}: ${JSON.stringify(p)}`);
      assert.match(p.reason ?? '', c.reason, `${c.mode} (${module}): ${p.reason}`);
      assert.equal(p.maxFps, 0);
    }
  });
  assert.equal(report.profiled.length, cases.length * 2);
  assert.deepEqual(leftBehind(), [], 'no profiling container left');
});

test('a failed profile is not retried on the same digest until forced', async () => {
  const due = await bench.profiler.due({ apps: ['fail-0'] });
  assert.deepEqual(due, []);
  const forced = await bench.profiler.due({ apps: ['fail-0'], force: true });
  assert.equal(forced.length, 2);
});

test('stopping the profiler midway removes the replica and stores nothing', async () => {
  const slow = calibratedApp('slow', digest, 30, 'gpu', { LOAD_MS: '1500' });
  await bench.store.update((doc) => {
    doc.apps = [slow];
    doc.profiles = [];
  });
  const stop = new AbortController();
  const started = bench.profiler.start(stop.signal);
  const run = bench.profiler.refresh({ apps: ['slow'] });
  // Wait until its replica is up and being driven, then pull the plug.
  for (
    let i = 0;
    i < 100 && !(await bench.engine.listReplicas(NODE)).some((r) => r.role === 'profiling' && r.status === 'running');
    i++
  )
    await sleep(100);
  assert.equal(
    (await bench.engine.listReplicas(NODE)).filter((r) => r.role === 'profiling').length,
    1,
    'the profiling replica ran',
  );
  await sleep(2500);
  stop.abort(new Error('appliance stopping'));
  await run;
  await started;
  assert.deepEqual(leftBehind(), []);
  assert.deepEqual(bench.store.read().profiles, [], 'nothing stored for an interrupted run');
});

test('the startup sweep removes profiling containers a killed appliance left behind', async () => {
  const app = calibratedApp('left', digest, 5);
  const spec = buildReplicaSpec({
    node: NODE,
    app,
    module: 'work',
    accelerator: { kind: 'cpu', cpus: 0.5 },
    port: 17444,
    role: 'profiling',
  });
  const id = await bench.engine.create(spec);
  await bench.engine.start(id);
  assert.deepEqual(leftBehind(), [spec.name]);
  const fresh = new ProfilerService({
    engine: bench.engine,
    store: bench.store,
    nodeId: NODE,
    inventory: { get: async () => ({ id: NODE, cpus: 2, memoryMB: 1024, accelerators: [] }) },
    logger: (await import('../../src/log.js')).createLogger({ level: 'silent' }),
    schedule: '0 3 * * *',
    enabled: false,
    ports: { from: 17000, to: 17999 },
  });
  const stop = new AbortController();
  const started = fresh.start(stop.signal);
  await fresh.refresh({ apps: [] }); // queued behind the start-up sweep
  stop.abort();
  await started;
  assert.deepEqual(leftBehind(), []);
});
