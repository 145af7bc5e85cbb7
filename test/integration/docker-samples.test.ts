/**
 * The sample images as the profiler and the cluster tests rely on them: the
 * synthetic module's cost, FIFO service and failure knobs, the no-op image,
 * and the DNN sample's real CNN pipeline. Correctness only, no speed claims.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DockerContainerEngine } from '../../src/adapters/docker-engine.js';
import { parseManifest } from '../../src/domain/manifest.js';
import type { ReplicaSpec } from '../../src/domain/types.js';
import { ensureImages, IMAGE_TAGS, SANDBOX_IMAGE } from '../support/images.js';
import { removeNodeDocker } from '../support/node-docker.js';
import { until } from '../support/until.js';

const NODE = `t-smp-${randomBytes(3).toString('hex')}`;
let nextPort = 30000 + Math.floor(Math.random() * 20000);
const engine = new DockerContainerEngine({ sandboxImage: SANDBOX_IMAGE }, null);

/** Starts one module container of a sample image; resolves with its port once it listens. */
async function module(image: string, env: Record<string, string>, module = 'm'): Promise<{ id: string; url: string }> {
  const port = nextPort++;
  const spec: ReplicaSpec = {
    name: `rim-${NODE}-${module}-${port}`,
    node: NODE,
    app: 'sample',
    module,
    variant: 'default',
    image,
    env,
    accelerator: { kind: 'cpu', cpus: 1 },
    port,
    specHash: 'x',
    role: 'replica',
  };
  const id = await engine.create(spec);
  await engine.start(id);
  const url = `http://${(await engine.ensureSandbox(NODE)).address}:${port}`;
  await until(`${module} listening`, async () => ((await fetch(`${url}/healthz`)).status ? true : undefined));
  return { id, url };
}

const healthy = (url: string) =>
  until('healthz 200', async () => ((await fetch(`${url}/healthz`)).status === 200 ? true : undefined));
const infer = (url: string, body: Uint8Array, signal?: AbortSignal) =>
  fetch(`${url}/infer`, { method: 'POST', body: body as BodyInit, ...(signal ? { signal } : {}) });

before(async () => {
  await ensureImages(['synthetic', 'noop', 'dnn', 'base']);
});
after(() => removeNodeDocker(NODE));

test('synthetic: each frame burns COST_MS of CPU, served one at a time, OUT_BYTES sizes the output', async () => {
  const { url } = await module(IMAGE_TAGS.synthetic, { COST_MS: '30', OUT_BYTES: '5000', LOAD_MS: '200' });
  await healthy(url);
  const replies = await Promise.all([1, 2, 3, 4].map(() => infer(url, new Uint8Array(10))));
  const cpu = replies.map((r) => Number(r.headers.get('rim-cpu-ms')));
  const queued = replies.map((r) => Number(r.headers.get('rim-queue-ms')));
  for (const r of replies) assert.equal((await r.arrayBuffer()).byteLength, 5000);
  assert.ok(
    cpu.every((c) => c >= 30),
    `cpu ms ${cpu}`,
  );
  // Concurrency 1: the four frames' work never overlaps, whenever they arrived, and one of them queued.
  const work = replies
    .map((r) => r.headers.get('rim-work-ms')!.split('-').map(Number) as [number, number])
    .sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < work.length; i++)
    assert.ok(work[i]![0] >= work[i - 1]![1], `work intervals overlap: ${JSON.stringify(work)}`);
  assert.ok(Math.max(...queued) > 0, `queue ms ${queued}`);
});

test('synthetic failure knobs: never-healthy, error-rate, crash-after, hang', async () => {
  const never = await module(IMAGE_TAGS.synthetic, { FAIL_MODE: 'never-healthy' }, 'never');
  // Once it listens, it answers /healthz, and never with 200.
  const first = await until(
    'the never-healthy module to listen',
    async () => (await fetch(`${never.url}/healthz`)).status,
  );
  assert.equal(first, 503);

  const errors = await module(IMAGE_TAGS.synthetic, { FAIL_MODE: 'error-rate:1', COST_MS: '1' }, 'errors');
  await healthy(errors.url);
  assert.equal((await infer(errors.url, new Uint8Array(1))).status, 500);

  const crash = await module(IMAGE_TAGS.synthetic, { FAIL_MODE: 'crash-after:2', COST_MS: '1' }, 'crash');
  await healthy(crash.url);
  assert.equal((await infer(crash.url, new Uint8Array(1))).status, 200);
  await assert.rejects(infer(crash.url, new Uint8Array(1)));
  const gone = await until('exit', async () =>
    (await engine.listReplicas(NODE)).find((r) => r.containerId === crash.id && r.status === 'exited'),
  );
  assert.equal(gone.exitCode, 1);

  const hang = await module(IMAGE_TAGS.synthetic, { FAIL_MODE: 'hang' }, 'hang');
  await healthy(hang.url);
  // A hanging module: our own 500 ms timeout ends the call (not a refused connection or a reset).
  await assert.rejects(infer(hang.url, new Uint8Array(1), AbortSignal.timeout(500)), {
    name: 'TimeoutError',
    message: 'The operation was aborted due to timeout',
  });
});

test('no-op image: a one-module manifest that answers at once', async () => {
  const info = await engine.inspectImage(IMAGE_TAGS.noop);
  const m = parseManifest(info.manifestLabel!);
  assert.deepEqual(
    m.modules.map((x) => x.name),
    ['noop'],
  );
  const { url } = await module(IMAGE_TAGS.noop, { ...m.modules[0]!.env });
  await healthy(url);
  const r = await infer(url, new Uint8Array(3));
  assert.equal(r.status, 200);
  assert.equal(Number(r.headers.get('rim-cpu-ms')), 0);
});

test('dnn: preprocess → classify runs a real CNN; same frame, same scores; lite is another net', async () => {
  const info = await engine.inspectImage(IMAGE_TAGS.dnn);
  const m = parseManifest(info.manifestLabel!);
  assert.deepEqual(
    m.modules.map((x) => `${x.name}:${x.accelerator}`),
    ['preprocess:cpu', 'classify:gpu'],
  );
  const classifyMod = m.modules[1]!;
  const sample = await engine.readImageFile(IMAGE_TAGS.dnn, m.profile!.sampleInput!);
  const pre = await module(IMAGE_TAGS.dnn, { ...m.modules[0]!.env }, 'preprocess');
  const full = await module(IMAGE_TAGS.dnn, { ...classifyMod.env }, 'classify');
  const lite = await module(IMAGE_TAGS.dnn, { ...classifyMod.env, ...classifyMod.variants![0]!.env }, 'classify-lite');
  await Promise.all([pre, full, lite].map((x) => healthy(x.url)));
  const frame = new Uint8Array(await (await infer(pre.url, sample)).arrayBuffer());
  assert.equal(frame.length, 64 * 64 * 3);
  const a = (await (await infer(full.url, frame)).json()) as { scores: number[]; top: number; model: string };
  const b = (await (await infer(full.url, frame)).json()) as { scores: number[] };
  const c = (await (await infer(lite.url, frame)).json()) as { scores: number[]; model: string };
  assert.equal(a.scores.length, 10);
  assert.ok(Math.abs(a.scores.reduce((s, x) => s + x, 0) - 1) < 1e-3, 'softmax scores sum to 1');
  assert.equal(a.top, a.scores.indexOf(Math.max(...a.scores)));
  assert.deepEqual(b.scores, a.scores);
  assert.equal(a.model, 'full');
  assert.equal(c.model, 'lite');
  assert.notDeepEqual(c.scores, a.scores);
});
