/**
 * npm run bench:steady — issue #10's "no flapping" target on a running
 * cluster: a steady load at 0.95 of each deployment's allocation for 10
 * minutes must cause no re-plan.
 *
 * The 2-box test cluster (compose/up.sh, the bench's own prefix and /24,
 * two emulated GPU models, profiler on) with the sample apps registered;
 * three deployments at the trigger's default timings (nothing shortened):
 * two `auto` rates (the 3-module DAG and the one-module no-op) and one fixed
 * rate, each driven open loop through the first box at 0.95 of its
 * allocation for BENCH_STEADY_S seconds (600). Meanwhile every box's event
 * stream is read (`plan` `trigger`: load, SLO or capacity) and the plan is
 * read every 2 s (a re-plan is a new plan: its `reason` or placements
 * change). Prints what fired, the allocations over the run and each
 * deployment's finish rate; writes bench/results/steady.json; removes the
 * cluster whatever happens (Ctrl-C included).
 * Settings: RIM_PREFIX (rimsteady), RIM_NET_BASE (10.213.35), BENCH_STEADY_S
 * (600), RIM_TEST_IMAGE_TAG (the images' tag, rim-test).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { ensureImages, IMAGE_TAGS, type ImageName } from '../test/support/images.js';
import type { Plan, StoredProfile } from '../src/domain/types.js';
import type { Manifest } from '../src/domain/manifest.js';
import { BenchCluster, waitFor, withCluster } from './testbed/cluster.js';
import { drive, type Stream } from './testbed/drive.js';
import { finishOf } from './testbed/series.js';

const PREFIX = process.env.RIM_PREFIX || 'rimsteady';
const NET_BASE = process.env.RIM_NET_BASE || '10.213.35';
const RUN_S = Number(process.env.BENCH_STEADY_S ?? 600);
const MODELS = ['RTX 2080 Ti', 'GTX 1080'];
const CPUS = [0.6, 0.4];
const TUNING = { windowMs: 300, minSamples: 8, openMinSamples: 5, maxWindowMs: 1500, stableWindows: 2 };
/** The share of each allocation that arrives: inside the load trigger's band [0.8, 1.1]. */
const SHARE = 0.95;

interface Row {
  name: string;
  app: string;
  fps: number | 'auto';
  maxFps?: number;
  latencyMs: number;
}
const WORKLOAD: Row[] = [
  { name: 'steady-dag', app: 'synthetic', fps: 'auto', maxFps: 4, latencyMs: 2000 },
  { name: 'steady-cam', app: 'noop', fps: 'auto', maxFps: 20, latencyMs: 500 },
  { name: 'steady-fixed', app: 'noop', fps: 10, latencyMs: 500 },
];

interface Fired {
  atS: number;
  box: string;
  trigger: string;
  subject: string;
  reason: string;
}

const t0 = Date.now();
const log = (msg: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}`);
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

async function main(): Promise<void> {
  const names: ImageName[] = ['base', 'synthetic', 'noop', 'appliance'];
  await ensureImages(names);
  const c = new BenchCluster({
    prefix: PREFIX,
    netBase: NET_BASE,
    image: IMAGE_TAGS.appliance,
    models: MODELS,
    cpus: CPUS,
    profilingTuning: TUNING,
  });
  await withCluster(c, log, () => run(c));
}

async function run(c: BenchCluster): Promise<void> {
  const entry = c.boxes[0]!;
  c.up();
  await c.formed(entry);
  const wanted: string[] = [];
  for (const image of [IMAGE_TAGS.synthetic, IMAGE_TAGS.noop]) {
    const r = await c.call<{ manifest: Manifest }>(entry, 'POST', '/v1/apps', { image });
    if (r.status !== 200 && r.status !== 201) throw new Error(`registering ${image}: ${JSON.stringify(r.body)}`);
    for (const m of r.body.manifest.modules) {
      for (const v of ['default', ...(m.variants ?? []).map((x) => x.name)]) {
        for (const a of m.accelerator === 'gpu' ? MODELS : ['cpu'])
          wanted.push(`${r.body.manifest.name}/${m.name}/${v}@${a}`);
      }
    }
  }
  log(`profiling ${wanted.length} (module, variant, accelerator)`);
  await waitFor(
    'every profile',
    async () => {
      const ps = await c.get<StoredProfile[]>(entry, '/v1/profiles');
      const have = new Set(
        ps
          .filter((p) => p.state === 'ok')
          .map((p) => `${p.app}/${p.module}/${p.variant ?? 'default'}@${p.accelerator}`),
      );
      return wanted.every((w) => have.has(w));
    },
    480_000,
  );
  for (const w of WORKLOAD) {
    const body = {
      name: w.name,
      app: w.app,
      fps: w.fps,
      latencyMs: w.latencyMs,
      ...(w.maxFps ? { maxFps: w.maxFps } : {}),
    };
    const r = await c.call<{ state: string }>(entry, 'POST', '/v1/deployments', body, 30_000);
    if (r.status !== 200 && r.status !== 201) throw new Error(`deploying ${w.name}: ${JSON.stringify(r.body)}`);
  }
  const plan = await waitFor(
    'a plan admitting every deployment',
    async () => {
      const p = await c.get<Plan>(entry, '/v1/plan');
      return WORKLOAD.every((w) => p.placements.some((x) => x.deployment === w.name)) && p;
    },
    60_000,
  );
  const allocation = new Map<string, number>();
  for (const w of WORKLOAD) {
    const d = await c.get<{ fps: number }>(entry, `/v1/deployments/${w.name}`);
    allocation.set(w.name, d.fps);
  }
  const streams: Stream[] = WORKLOAD.map((w) => ({
    deployment: w.name,
    fps: round(allocation.get(w.name)! * SHARE, 2),
    latencyMs: w.latencyMs,
  }));
  log(
    `admitted: ${streams.map((s) => `${s.deployment} ${allocation.get(s.deployment)} fps, sent ${s.fps}`).join('; ')}`,
  );
  log(`plan: ${plan.placements.length} placements, reason "${plan.reason ?? ''}"`);

  const started = Date.now();
  const at = () => round((Date.now() - started) / 1000, 1);
  const fired: Fired[] = [];
  const events = new AbortController();
  const listening = c.boxes.map((b) => listen(c.url(b), b, events.signal, fired, at).catch(() => undefined));
  const replans: { atS: number; reason: string; moves?: number }[] = [];
  const allocations: { atS: number; deployment: string; fps: number }[] = [];
  let last = digest(plan);
  let watching = true;
  const watch = (async () => {
    while (watching) {
      await new Promise((r) => setTimeout(r, 2000));
      const p = await c.get<Plan>(entry, '/v1/plan').catch(() => undefined);
      if (p && digest(p) !== last) {
        last = digest(p);
        replans.push({ atS: at(), reason: p.reason ?? '', ...(p.moves !== undefined ? { moves: p.moves } : {}) });
        log(`re-plan: ${p.reason ?? '(no reason)'}`);
      }
      for (const w of WORKLOAD) {
        const d = await c.get<{ fps: number }>(entry, `/v1/deployments/${w.name}`).catch(() => undefined);
        if (d && d.fps !== allocation.get(w.name)) {
          allocation.set(w.name, d.fps);
          allocations.push({ atS: at(), deployment: w.name, fps: d.fps });
          log(`allocation: ${w.name} now ${d.fps} fps`);
        }
      }
    }
  })();
  log(`driving ${streams.length} deployments at ${SHARE} of their allocation for ${RUN_S} s`);
  const load = [readLoad()];
  const { frames, lagP99Ms } = await drive(c, entry, streams, RUN_S);
  load.push(readLoad());
  watching = false;
  await watch;
  events.abort();
  await Promise.all(listening);

  const rows = streams.map((s) => {
    const fs = frames.get(s.deployment) ?? [];
    const f = finishOf(fs, s.latencyMs);
    return {
      deployment: s.deployment,
      sentFps: s.fps,
      sent: fs.length,
      finish: round(f.finish ?? 0),
      p99Ms: Math.round(f.latencyMs.p99 ?? 0),
      ...sentRange(fs, RUN_S),
    };
  });
  const byKind = (k: string) => fired.filter((f) => f.trigger === k).length;
  console.log(
    '\n| deployment | allocation | sent fps | sent per 10 s window, min–max | frames | finish | p99 |\n' +
      '|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of rows) {
    const a = WORKLOAD.find((w) => w.name === r.deployment)!;
    console.log(
      `| ${r.deployment} | ${a.fps === 'auto' ? `auto (${a.maxFps})` : a.fps} | ${r.sentFps} | ` +
        `${r.minWindowFps}–${r.maxWindowFps} | ${r.sent} | ${r.finish} | ${r.p99Ms} ms |`,
    );
  }
  const met = replans.length === 0 && fired.length === 0;
  console.log(
    `\n${RUN_S} s at ${SHARE} of the allocation: ${replans.length} re-plans, ${allocations.length} allocation ` +
      `changes, triggers fired: load ${byKind('load')}, slo ${byKind('slo')}, capacity ${byKind('capacity')}; ` +
      `generator lag p99 ${lagP99Ms} ms; load average ${load[0]} → ${load[1]}`,
  );
  console.log(`target: no re-plan under a steady load at 0.95 of the allocation: ${met ? 'met' : 'NOT met'}`);
  mkdirSync('bench/results', { recursive: true });
  const out = {
    at: new Date().toISOString(),
    runS: RUN_S,
    share: SHARE,
    loadAverage: load,
    lagP99Ms,
    rows,
    replans,
    allocations,
    fired,
    met,
  };
  writeFileSync('bench/results/steady.json', `${JSON.stringify(out, null, 2)}\n`);
  log('wrote bench/results/steady.json');
}

/** What makes a plan another plan: where every share runs, and why it was made. */
const digest = (p: Plan) =>
  JSON.stringify([p.reason ?? '', p.placements.map((x) => [x.deployment, x.module, x.node, x.accelerator, x.fps])]);

/**
 * What the generator really sent, per 10 s window of sending time: on a starved machine an open-loop
 * generator falls behind and then catches up, and the boxes see that, not the nominal rate.
 */
function sentRange(frames: readonly { atMs: number }[], seconds: number) {
  const windows = Array.from({ length: Math.floor(seconds / 10) }, () => 0);
  for (const f of frames) {
    const w = Math.floor(f.atMs / 10_000);
    if (w < windows.length) windows[w]!++;
  }
  const fps = windows.map((n) => n / 10);
  return { minWindowFps: Math.min(...fps), maxWindowFps: Math.max(...fps) };
}

/** The machine's load average (1, 5, 15 min): the boxes and the generator share it. */
function readLoad(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** A box's event stream: every `plan` `trigger` it publishes, with when and where. */
async function listen(url: string, box: string, signal: AbortSignal, into: Fired[], at: () => number): Promise<void> {
  const r = await fetch(`${url}/v1/events`, { signal });
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of r.body as AsyncIterable<Uint8Array>) {
    text += decoder.decode(chunk, { stream: true });
    for (let i = text.indexOf('\n\n'); i >= 0; i = text.indexOf('\n\n')) {
      const block = text.slice(0, i);
      text = text.slice(i + 2);
      const data = /^data: (.*)$/m.exec(block)?.[1];
      const e = data
        ? (JSON.parse(data) as { type: string; action: string; data: Omit<Fired, 'atS' | 'box'> })
        : undefined;
      if (e?.type === 'plan' && e.action === 'trigger') {
        into.push({ atS: at(), box, ...e.data });
        log(`trigger on ${box}: ${e.data.trigger} ${e.data.subject}: ${e.data.reason}`);
      }
    }
  }
}

main().catch((e: Error) => {
  console.error(`bench:steady failed: ${e.message}`);
  process.exit(1);
});
