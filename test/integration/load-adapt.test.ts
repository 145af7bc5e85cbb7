/**
 * Rim adapts to measured load on a real 2-box test cluster (compose/up.sh,
 * rim/appliance containers on the real Docker engine), driven by the real
 * load generator (`rim load`, one process per box), issue #10:
 * - a rate change re-plans: a deployment with `"fps": "auto", "maxFps": 20`
 *   starts at 20 fps; 10 fps arriving (5 at each box) re-allocates it to the
 *   measured rate, and the plan says why (`load: … below 0.8× …`); the same
 *   steady rate then changes nothing more for the rest of the run;
 * - measurements from the two boxes merge: GET /v1/deployments/{name} on the
 *   leader shows `boxes: 2`, per replica its served fps and busy time, and
 *   frames by outcome that add up to exactly what the two generators counted
 *   (200s, 429s, 503s): the generators' counts match the routers'.
 * The trigger's window and cooldown are shortened through the config
 * (RIM_PLACEMENT_LOAD_SUSTAIN=2s, RIM_PLACEMENT_LOAD_COOLDOWN=4s), so the
 * run is short; nothing sleeps in place of a check (until.ts polls).
 * One light app (one CPU module, 2 ms a frame). Set RIM_IMAGE to run against
 * an appliance image built elsewhere.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ensureImages } from '../support/images.js';
import { until } from '../support/until.js';
import {
  ADMIN_TOKEN,
  agreedLeader,
  buildSyntheticApp,
  registerApp,
  docker,
  startTestCluster,
  type TestCluster,
} from './cluster-harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TAG = `rim/test-light:${process.pid}`;
const RUN_S = 30;

interface Deployment {
  fps: number;
  maxFps?: number;
  state: string;
  measured: {
    frames?: Record<string, number>;
    boxes?: number;
    replicas?: { replica: string; node: string; servedFps: number; busy: number }[];
  };
}
interface Summary {
  sent: number;
  inTime: number;
  late: number;
  rateLimited: number;
  unavailable: number;
  other: number;
  noAnswer: number;
}

/** `rim load` against one box, its --json summary back. */
function rimLoad(url: string, args: string[]): Promise<Summary> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--json', 'load', ...args], {
      cwd: root,
      env: { ...process.env, RIM_URL: url, RIM_ADMIN_TOKEN: ADMIN_TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => {
      try {
        resolve(JSON.parse(out) as Summary);
      } catch {
        reject(new Error(`rim load exited ${code}: ${out}${err}`));
      }
    });
  });
}

describe('load drives the plan on a 2-box cluster', { timeout: 240_000 }, () => {
  let c: TestCluster | undefined;
  let leader = '';

  before(async () => {
    await ensureImages(process.env.RIM_IMAGE ? ['synthetic'] : ['appliance', 'synthetic']);
    const manifest = {
      apiVersion: 'rim/v1',
      name: 'light',
      entry: 'only',
      profile: { sampleInput: '/rim/sample.bin' },
      modules: [
        {
          name: 'only',
          image: 'self',
          command: ['node', '/app/server.js'],
          accelerator: 'cpu',
          next: [],
          env: { COST_MS: '2' },
        },
      ],
    };
    buildSyntheticApp(TAG, manifest);
    c = startTestCluster('ld', {
      boxes: 2,
      staticPeers: true,
      env: { RIM_PLACEMENT_LOAD_SUSTAIN: '2s', RIM_PLACEMENT_LOAD_COOLDOWN: '4s' },
    });
    const cl = c;
    leader = (await until('an agreed leader', () => agreedLeader(cl, cl.boxes), 120_000, 500)).leader!;
    await registerApp(cl, leader, TAG);
  });

  after(() => {
    c?.down();
    try {
      docker('rmi', '-f', TAG);
    } catch {
      /* already gone */
    }
  });

  it('a rate change re-plans naming the load trigger, a steady one does not; the boxes merge', async (t) => {
    const cl = c!;
    const get = () => cl.get<Deployment>(leader, '/v1/deployments/cam');
    const body = { name: 'cam', app: 'light', fps: 'auto', maxFps: 20, latencyMs: 5000 };
    let last: unknown;
    // A change may find no majority for a moment (503, retry-after): try again, as a client would.
    await until(
      'cam deployed',
      async () => {
        last = await cl.post(leader, '/v1/deployments', body);
        return [200, 201].includes((last as { status: number }).status);
      },
      60_000,
      1000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(last)}`);
    });
    await until('cam admitted at 20 fps', async () => (await get()).state === 'admitted', 60_000, 500);
    const running = () =>
      docker('ps', '-q', '--filter', 'label=rim.app=light', '--filter', 'status=running')
        .split('\n')
        .filter((id) => id && cl.boxes.includes(docker('inspect', '-f', '{{index .Config.Labels "rim.node"}}', id)));
    // Its replica answers its own /healthz (from inside it: it shares its box's network); no frame is sent before.
    const healthy = () =>
      running().some((id) => {
        const probe =
          'fetch("http://127.0.0.1:"+process.env.RIM_PORT+"/healthz").then(r=>process.stdout.write(""+r.status))';
        return docker('exec', id, 'node', '-e', probe) === '200';
      });
    await until('its replica healthy', healthy, 90_000, 500);
    const first = await until('the deployment read', () => get(), 10_000, 200);
    assert.equal(first.fps, 20, 'an auto rate starts at its maxFps');

    // Every box's event stream through the run (the leader publishes what fired; it may change): `plan` `trigger`.
    const triggers: { trigger: string; subject: string; reason: string }[] = [];
    const events = new AbortController();
    const listen = async (box: string) => {
      const r = await fetch(`http://${cl.ip(box)}:7878/v1/events`, { signal: events.signal });
      const decoder = new TextDecoder();
      let text = '';
      for await (const chunk of r.body as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        for (let i = text.indexOf('\n\n'); i >= 0; i = text.indexOf('\n\n')) {
          const block = text.slice(0, i);
          text = text.slice(i + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          const e = data ? (JSON.parse(data) as { type: string; action: string; data: never }) : undefined;
          if (e?.type === 'plan' && e.action === 'trigger') triggers.push(e.data);
        }
      }
    };
    const stream = Promise.all(cl.boxes.map((b) => listen(b).catch(() => undefined)));
    // The allocation and the plan's reason as the leader shows them, every 500 ms through the run.
    const allocations: { at: number; fps: number }[] = [];
    const reasons = new Set<string>();
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const fps = await get().then(
          (x) => x.fps,
          () => undefined,
        );
        if (fps !== undefined && fps !== allocations.at(-1)?.fps) allocations.push({ at: Date.now(), fps });
        const plan = await cl.get<{ reason?: string }>(leader, '/v1/plan').catch(() => undefined);
        if (plan?.reason) reasons.add(plan.reason);
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    const t0 = Date.now();
    const urls = cl.boxes.map((b) => `http://${cl.ip(b)}:7878`);
    let sums: Summary[];
    try {
      sums = await Promise.all(urls.map((u) => rimLoad(u, ['cam', '--fps', '5', '--duration', String(RUN_S)])));
    } finally {
      watching = false;
      await watch;
      events.abort();
      await stream;
    }
    t.diagnostic(`allocations ${JSON.stringify(allocations.map((a) => [a.at - t0, a.fps]))}`);
    t.diagnostic(`generators ${JSON.stringify(sums)}`);
    t.diagnostic(`plan reasons ${JSON.stringify([...reasons])}`);
    const leaderLog = () =>
      cl
        .logs(leader)
        .split('\n')
        .filter((l) => /load|plan updated/.test(l))
        .slice(-20)
        .join('\n');

    // The rate change: 20 → what arrives (10 fps) and a tenth more, rounded up (11 or 12), once, early in the run.
    const changes = allocations.slice(1);
    assert.equal(changes.length, 1, `one re-allocation, then none at the steady rate; the leader:\n${leaderLog()}`);
    assert.ok([11, 12].includes(changes[0]!.fps), `re-allocated to the measured 10 fps × 1.1 (${changes[0]!.fps})`);
    assert.ok(changes[0]!.at - t0 < 25_000, 'within the window, sustain and a look or two');
    const because = /^load: cam arrival [\d.]+ fps below 0\.8× its allocation 20 fps for \d+ s; allocation now/;
    assert.ok(
      [...reasons].some((r) => because.test(r)),
      `the plan says why: ${JSON.stringify([...reasons])}`,
    );
    t.diagnostic(`trigger events ${JSON.stringify(triggers)}`);
    const loadEvents = triggers.filter((e) => e.trigger === 'load');
    assert.equal(loadEvents.length, 1, 'one `plan` `trigger` event names the load trigger');
    assert.equal(loadEvents[0]!.subject, 'cam');
    assert.match(loadEvents[0]!.reason, because);
    const plan = await cl.get<{ placements: { deployment: string; fps: number }[] }>(leader, '/v1/plan');
    const planned = plan.placements.filter((p) => p.deployment === 'cam').reduce((s, p) => s + p.fps, 0);
    assert.equal(planned, changes[0]!.fps, 'the plan holds the new allocation');

    // The generators' counts match the routers', merged from both boxes.
    const sum = (k: keyof Summary) => sums.reduce((s, x) => s + x[k], 0);
    assert.equal(sum('other'), 0, 'every answer was 200, 429 or 503');
    const m = await until(
      'the routers to have counted every frame',
      async () => {
        const x = (await get()).measured;
        const f = x.frames!;
        return Object.values(f).reduce((s, n) => s + n, 0) === sum('sent') ? x : undefined;
      },
      10_000,
      200,
    );
    t.diagnostic(`routers ${JSON.stringify(m)}`);
    assert.equal(m.boxes, 2, 'both boxes measured');
    const f = m.frames!;
    assert.equal(f['rate-limited'], sum('rateLimited'));
    assert.equal(f.refused, 0);
    // A frame the generator gave up on (no answer after 4× the target) ends at the router as whatever it became.
    const answered = sum('inTime') + sum('late');
    assert.ok(f.ok! >= answered && f.ok! <= answered + sum('noAnswer'), `200s: router ${f.ok}, generators ${answered}`);
    assert.equal(f.ok! + f.unavailable! + f['deadline-missed']!, answered + sum('unavailable') + sum('noAnswer'));
    if (sum('noAnswer') === 0) assert.equal(f.unavailable! + f['deadline-missed']!, sum('unavailable'));
    assert.ok(sum('inTime') > 0, 'frames were answered in time');
    // Per replica: served fps and busy time, from both boxes' calls.
    assert.ok(m.replicas?.length, JSON.stringify(m));
    const served = m.replicas!.reduce((s, r) => s + r.servedFps, 0);
    assert.ok(served > 5, `the replicas served both boxes' frames (${served} fps)`);
    for (const r of m.replicas!) {
      assert.ok(cl.boxes.includes(r.node), r.node);
      assert.ok(r.busy > 0 && r.busy <= 1, `busy is a fraction of the window (${r.busy})`);
    }
  });
});
