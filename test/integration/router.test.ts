/**
 * The data-plane router in the real appliance on the real Docker engine:
 * frames sent to POST /v1/deployments/:name/frames go through the synthetic
 * sample's three replicas (decode → detect → track) and back; over-rate
 * frames get 429, an unknown deployment 404, a killed replica 503 or (once
 * restarted) success but never a hang; GET /v1/deployments/:name and
 * /metrics show what the router measured. Then on a 2-box test cluster of
 * rim/appliance containers: a frame sent to the box that runs none of the
 * replicas goes through the other box's replicas.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { ensureImages, IMAGE_TAGS } from '../support/images.js';
import { agreedLeader, startTestCluster, waitFor as waitUntil, type TestCluster } from './cluster-harness.js';
import {
  freePort,
  readToken,
  removeContainersOf,
  removeDir,
  spawnAppliance,
  stopAppliance,
  tempDir,
  waitFor,
  waitHealthy,
  type ApplianceProcess,
} from './appliance-process.js';

const node = `router-test-${process.pid}`;
const LATENCY_MS = 4000;
const FPS = 4;

interface ErrorBody {
  error: { code: string; message: string };
}
interface TrackOutput {
  module: string;
  frameId: string | null;
  inBytes: number;
  trail?: string;
}

describe('router on the real appliance and Docker', { timeout: 300_000 }, () => {
  const dataDir = tempDir('rim-router-');
  let p: ApplianceProcess | undefined;
  let token = '';
  const from = 23000 + (process.pid % 200) * 20;

  const api = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(p!.base + path, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as any };
  };
  const frame = (name: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${p!.base}/v1/deployments/${name}/frames`, {
      method: 'POST',
      body: body as BodyInit,
      headers: { 'content-type': 'application/octet-stream', ...headers },
      // Never a hang: the router answers by the deadline; the margin is for a loaded 2-core box.
      signal: AbortSignal.timeout(LATENCY_MS + 10_000),
    });
  const replicas = async () =>
    (await api('GET', `/v1/nodes/${node}`)).body.replicas as {
      name: string;
      module: string;
      state: string;
      containerId?: string;
      restarts: number;
    }[];
  /** Paces requests under the admitted rate: one frame's worth of tokens refills in 1000 / FPS ms. */
  const pace = () => new Promise((r) => setTimeout(r, 1000 / FPS + 30));
  /**
   * Each test starts from an admitted frame (whatever ran before it): send until one is admitted, then wait one
   * frame's refill, so the bucket holds at least one token.
   */
  const admittedAgain = async () => {
    await waitFor(
      async () => {
        const r = await frame('cam', 'admitted?');
        await r.arrayBuffer();
        await pace();
        return r.status === 200;
      },
      'a frame admitted',
      30_000,
    );
  };

  before(async () => {
    await ensureImages(['synthetic']);
    removeContainersOf(node);
    const port = await freePort();
    p = spawnAppliance({
      RIM_API_PORT: String(port),
      RIM_API_HOST: '127.0.0.1',
      RIM_DATA_DIR: dataDir,
      RIM_NODE_ID: node,
      RIM_LOG_LEVEL: 'warn',
      RIM_ACCELERATORS_EMULATE: JSON.stringify([{ model: 'RTX 2080 Ti', cpus: 1 }]),
      RIM_PORTS_RANGE: JSON.stringify({ from, to: from + 19 }),
      RIM_SUPERVISOR_POLL_INTERVAL: '1s',
    });
    await waitHealthy(p);
    token = readToken(dataDir);
    assert.equal((await api('POST', '/v1/apps', { image: IMAGE_TAGS.synthetic })).status, 201);
    const d = await api('POST', '/v1/deployments', { name: 'cam', app: 'synthetic', fps: FPS, latencyMs: LATENCY_MS });
    assert.equal(d.status, 201, JSON.stringify(d.body));
    await waitFor(
      async () => {
        const rs = await replicas();
        return rs.length === 3 && rs.every((r) => r.state === 'running');
      },
      'three running replicas',
      120_000,
    );
    // A container that just started may not listen yet: the first frames may be 503.
    await waitFor(
      async () => {
        const r = await frame('cam', 'warm-up');
        await r.arrayBuffer();
        await pace();
        return r.status === 200;
      },
      'a first frame through',
      60_000,
    );
  });

  after(async () => {
    await stopAppliance(p);
    removeContainersOf(node);
    removeDir(dataDir);
  });

  it('chains decode → detect → track and answers with the sink output, visiting every module in order', async () => {
    await admittedAgain();
    const r = await frame('cam', Buffer.concat([Buffer.from('rim-trail:\n'), Buffer.alloc(4096, 1)]), {
      'rim-frame-id': 'frame-42',
    });
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.equal(r.headers.get('rim-frame-id'), 'frame-42');
    const out = (await r.json()) as TrackOutput;
    assert.equal(out.module, 'track');
    assert.equal(out.frameId, 'frame-42', 'the frame id reached the sink');
    assert.equal(out.trail, 'decode>detect>track');
    await pace();
    const plain = await frame('cam', Buffer.alloc(100, 2));
    const o2 = (await plain.json()) as TrackOutput;
    assert.equal(o2.inBytes, 1024, "track's input is detect's output (OUT_BYTES 1024), not the frame");
    assert.equal(o2.trail, undefined);
    assert.match(String(o2.frameId), new RegExp(`^${node}-\\d+$`), 'a generated frame id');
    await pace();
  });

  it('refuses frames over the admitted rate with 429 and retry-after', async () => {
    await admittedAgain();
    const answers = await Promise.all(Array.from({ length: 8 }, () => frame('cam', 'x')));
    const codes = answers.map((a) => a.status).sort();
    const bodies = await Promise.all(answers.map((a) => a.text()));
    assert.ok(codes.filter((c) => c === 429).length >= 5, `burst of 2 at ${FPS} fps: ${codes}`);
    assert.ok(codes.includes(200));
    assert.ok(
      codes.every((c) => c === 200 || c === 429),
      String(codes),
    );
    answers.forEach((a, i) => {
      if (a.status !== 429) return;
      assert.match(a.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
      assert.equal((JSON.parse(bodies[i]!) as ErrorBody).error.code, 'rate-limited');
    });
  });

  it('unknown deployment → 404 in the API error shape', async () => {
    const r = await frame('nobody', 'x');
    assert.equal(r.status, 404);
    assert.deepEqual(await r.json(), { error: { code: 'not-found', message: 'deployment "nobody" does not exist' } });
  });

  it('shows measured fps, percentiles and the SLO state after traffic, and router metrics', async () => {
    await admittedAgain();
    for (let i = 0; i < 6; i++) {
      const r = await frame('cam', 'y');
      assert.equal(r.status, 200);
      await r.arrayBuffer();
      await pace();
    }
    // Its own frames over the rate (this test runs alone too): a burst of 4 on a bucket of 2.
    const burst = await Promise.all(Array.from({ length: 4 }, () => frame('cam', 'x')));
    await Promise.all(burst.map((a) => a.arrayBuffer()));
    assert.ok(
      burst.some((a) => a.status === 429),
      String(burst.map((a) => a.status)),
    );
    const d = (await api('GET', '/v1/deployments/cam')).body;
    assert.ok(d.measured.fps > 0, JSON.stringify(d.measured));
    const { p50, p95, p99 } = d.measured.latencyMs;
    assert.ok(p50 > 0 && p50 <= p95 && p95 <= p99, JSON.stringify(d.measured));
    assert.ok(['met', 'violated'].includes(d.measured.slo), JSON.stringify(d.measured));
    const list = (await api('GET', '/v1/deployments')).body as { name: string; measured: { fps: number } }[];
    assert.ok(list.find((x) => x.name === 'cam')!.measured.fps > 0);
    const metrics = await (await fetch(`${p!.base}/metrics`)).text();
    assert.match(metrics, /rim_router_frames_total\{deployment="cam",outcome="ok"\} [1-9]\d*/);
    assert.match(metrics, /rim_router_frames_total\{deployment="cam",outcome="rate-limited"\} [1-9]\d*/);
    assert.match(metrics, /rim_router_frame_latency_seconds_count\{deployment="cam"\} [1-9]\d*/);
  });

  it('a killed replica: 503 or success after its restart, never a hang', async (t) => {
    await admittedAgain();
    const track = (await replicas()).find((r) => r.module === 'track')!;
    assert.ok(track.containerId);
    execFileSync('docker', ['kill', track.containerId!], { stdio: 'ignore' });
    const seen: number[] = [];
    const t0 = Date.now();
    let recovered = false;
    while (Date.now() - t0 < 90_000) {
      const started = Date.now();
      const r = await frame('cam', 'z');
      const body = await r.text();
      assert.ok(
        Date.now() - started <= LATENCY_MS + 5000,
        `answered within the deadline (+ margin): ${Date.now() - started} ms`,
      );
      assert.ok(r.status === 200 || r.status === 503, `${r.status} ${body}`);
      if (r.status === 503) assert.match((JSON.parse(body) as ErrorBody).error.code, /^(no-replica|deadline-missed)$/);
      seen.push(r.status);
      if (r.status === 200 && seen.includes(503)) {
        recovered = true;
        break;
      }
      if (r.status === 200 && Date.now() - t0 > 20_000) {
        recovered = true;
        break;
      }
      await pace();
    }
    assert.ok(recovered, `frames succeed again after the restart: ${seen.join(',')}`);
    t.diagnostic(`answers after the kill: ${seen.join(',')}`);
    const now = (await replicas()).find((r) => r.module === 'track')!;
    assert.equal(now.state, 'running');
    assert.ok(
      now.restarts > track.restarts,
      `the supervisor restarted it (${track.restarts} → ${now.restarts} restarts)`,
    );
  });
});

describe('router across the boxes of a test cluster', { timeout: 300_000 }, () => {
  let c: TestCluster | undefined;

  before(async () => {
    await ensureImages(['appliance', 'synthetic']);
    c = startTestCluster('rt', {
      boxes: 2,
      staticPeers: true,
      env: { RIM_ACCELERATORS_EMULATE: '[{"model":"T4","cpus":0.5}]' },
    });
  });
  after(() => c?.down());

  it('a frame sent to a box running none of the replicas goes through those of the other box', async () => {
    const cl = c!;
    const leader = (await waitUntil('an agreed leader', () => agreedLeader(cl, cl.boxes), 90_000, 500)).leader!;
    assert.equal((await cl.post(leader, '/v1/apps', { image: IMAGE_TAGS.synthetic })).status, 201);
    const d = await cl.post(leader, '/v1/deployments', {
      name: 'cam',
      app: 'synthetic',
      fps: FPS,
      latencyMs: LATENCY_MS,
    });
    assert.equal(d.status, 201, JSON.stringify(d.body));
    const plan = await waitUntil(
      'a plan placing cam',
      async () => {
        const p = await cl.get<{ placements: { deployment: string; node: string }[] }>(leader, '/v1/plan');
        return p?.placements?.some((x) => x.deployment === 'cam') ? p : undefined;
      },
      60_000,
      500,
    );
    const hosts = new Set(plan.placements.map((x) => x.node));
    const elsewhere = cl.boxes.find((b) => !hosts.has(b));
    if (!elsewhere)
      return assert.fail(`the plan put replicas on every box (${[...hosts]}): no box to test a remote route from`);
    await waitUntil(
      'running replicas',
      async () => {
        for (const n of hosts) {
          const v = await cl.get<{ replicas: { state: string }[] }>(n, `/v1/nodes/${n}`);
          if (!v.replicas?.length || v.replicas.some((r) => r.state !== 'running')) return false;
        }
        return true;
      },
      120_000,
      500,
    );
    const send = () =>
      fetch(`http://${cl.ip(elsewhere)}:7878/v1/deployments/cam/frames`, {
        method: 'POST',
        body: 'rim-trail:\nhello',
        signal: AbortSignal.timeout(LATENCY_MS + 10_000),
      });
    // Replicas that just started may not listen yet;
    // the router itself learns the other box's ports within the first frame.
    const r = await waitUntil(
      'a frame through the other box',
      async () => {
        const x = await send();
        return x.status === 200 ? x : (await x.arrayBuffer(), undefined);
      },
      60_000,
      300,
    );
    const out = (await r.json()) as TrackOutput;
    assert.equal(out.trail, 'decode>detect>track');
    assert.match(String(out.frameId), new RegExp(`^${elsewhere}-\\d+$`), 'routed by the box the client called');
    const view = await cl.get<{ measured: { fps: number | null } }>(elsewhere, '/v1/deployments/cam');
    assert.ok((view.measured.fps ?? 0) > 0, 'measured by the box that routed it');
  });
});
