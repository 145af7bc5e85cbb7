/**
 * The router across a real 3-box test cluster (compose/up.sh, rim/appliance
 * containers on one Docker engine), issue #9:
 * - cluster-wide admission: a deployment's frames sent to all three boxes at
 *   twice its admitted rate are admitted within 5% of that rate in total, and
 *   GET /v1/deployments/:name shows the merged counts the client counted;
 * - a replica whose /healthz answers only after 3 s receives no frame before
 *   (the synthetic server counts such frames as `early` in its /healthz);
 * - a box that is suspected (its appliance paused: its replicas still run and
 *   answer) gets no frame on its replicas once the others see it suspect.
 * One light app for all (one module, 2 ms a frame, /healthz after 3 s), so
 * that a loaded 2-core machine measures the router, not its own queueing.
 * Set RIM_IMAGE to run against an appliance image built elsewhere.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ensureImages } from '../support/images.js';
import {
  agreedLeader,
  buildSyntheticApp,
  registerApp,
  docker,
  startTestCluster,
  waitFor,
  type TestCluster,
} from './cluster-harness.js';

const FPS = 4;
const LATENCY_MS = 4000;
const SLOW_TAG = `rim/test-slowstart:${process.pid}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Measured {
  fps: number | null;
  frames?: Record<string, number>;
  boxes?: number;
}
interface Plan {
  placements: { deployment: string; node: string }[];
}

describe('router across a 3-box cluster', { timeout: 900_000 }, () => {
  let c: TestCluster | undefined;
  let leader = '';

  const frame = async (box: string, name: string, body = 'x') => {
    try {
      const r = await fetch(`http://${c!.ip(box)}:7878/v1/deployments/${name}/frames`, {
        method: 'POST',
        body,
        signal: AbortSignal.timeout(LATENCY_MS + 10_000),
      });
      await r.arrayBuffer();
      return r.status;
    } catch {
      return 0;
    }
  };
  const replicasOf = (app: string, box?: string) =>
    docker(
      'ps',
      '-q',
      '--filter',
      'label=rim.managed=true',
      '--filter',
      `label=rim.app=${app}`,
      ...(box ? ['--filter', `label=rim.node=${box}`] : []),
    )
      .split('\n')
      .filter(Boolean)
      .filter((id) => c!.boxes.includes(docker('inspect', '-f', '{{index .Config.Labels "rim.node"}}', id)));
  /** A replica's own /healthz (from inside it: it shares its box's network). */
  const healthOf = (id: string) =>
    JSON.parse(
      docker(
        'exec',
        id,
        'node',
        '-e',
        'fetch("http://127.0.0.1:"+process.env.RIM_PORT+"/healthz").then(r=>r.text()).then(t=>process.stdout.write(t))',
      ),
    ) as { served: number; early: number; received: number };
  const deploy = async (name: string, app: string, fps: number) => {
    const d = await c!.post(leader, '/v1/deployments', { name, app, fps, latencyMs: LATENCY_MS });
    assert.equal(d.status, 201, JSON.stringify(d.body));
  };

  before(async () => {
    await ensureImages(process.env.RIM_IMAGE ? ['synthetic'] : ['appliance', 'synthetic']);
    // The slow-start app: the synthetic server (this tree's), /healthz 200 only 3 s after it starts.
    const manifest = {
      apiVersion: 'rim/v1',
      name: 'slowstart',
      entry: 'only',
      profile: { sampleInput: '/rim/sample.bin' },
      modules: [
        {
          name: 'only',
          image: 'self',
          command: ['node', '/app/server.js'],
          accelerator: 'cpu',
          next: [],
          env: { COST_MS: '2', LOAD_MS: '3000' },
        },
      ],
    };
    buildSyntheticApp(SLOW_TAG, manifest);
    c = startTestCluster('rc', { boxes: 3, staticPeers: true });
    leader = (await waitFor('an agreed leader', () => agreedLeader(c!, c!.boxes), 120_000, 500)).leader!;
    await registerApp(c, leader, SLOW_TAG);
  });

  after(() => {
    for (const b of c?.boxes ?? []) {
      try {
        docker('unpause', b);
      } catch {
        /* not paused */
      }
    }
    c?.down();
    try {
      docker('rmi', '-f', SLOW_TAG);
    } catch {
      /* already gone */
    }
  });

  it('sends no frame to a replica before its /healthz answers', async (t) => {
    const cl = c!;
    const sender = cl.boxes[1]!;
    await deploy('slow', 'slowstart', 5);
    const answers: { at: number; status: number }[] = [];
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        answers.push({ at: Date.now(), status: await frame(sender, 'slow') });
        await sleep(100);
      }
    })();
    try {
      await waitFor(
        'frames through the slow-start replica',
        () => answers.filter((a) => a.status === 200).length >= 5,
        120_000,
        200,
      );
    } finally {
      stop = true;
      await loop;
    }
    const [id] = replicasOf('slowstart');
    assert.ok(id, 'the slow-start replica runs');
    const started = Date.parse(docker('inspect', '-f', '{{.State.StartedAt}}', id));
    const whileLoading = answers.filter((a) => a.at >= started && a.at < started + 3000);
    const h = healthOf(id);
    t.diagnostic(
      `${whileLoading.length} frames sent while it loaded (${whileLoading.map((a) => a.status)}); ${JSON.stringify(h)}`,
    );
    assert.ok(whileLoading.length >= 5, 'frames were sent while the replica loaded');
    assert.ok(
      whileLoading.every((a) => a.status !== 200),
      'none answered before it was ready',
    );
    assert.equal(h.early, 0, 'no frame reached /infer before /healthz answered');
    assert.ok(h.served >= 5, `it serves frames once ready (${h.served})`);
  });

  it('admits a deployment at its rate in total when frames arrive at every box, and merges measurements', async (t) => {
    const cl = c!;
    await deploy('adm', 'slowstart', FPS);
    // Every box routes a first frame (replicas up and healthy, members' lists known).
    for (const b of cl.boxes)
      await waitFor(`a frame through ${b}`, async () => (await frame(b, 'adm')) === 200, 180_000, 400);
    await sleep(4000); // the arrival windows forget the warm-up
    const base = (await cl.get<{ measured: Measured }>(leader, '/v1/deployments/adm')).measured.frames!;
    const seconds = 30;
    const perBox = (2 * FPS) / cl.boxes.length;
    const counts = new Map<number, number>();
    const okAt: number[] = [];
    const admittedAt: number[] = [];
    const t0 = Date.now();
    const sent: Promise<void>[] = [];
    cl.boxes.forEach((b, i) => {
      for (let k = 0; k < seconds * perBox; k++) {
        const at = t0 + (k + i / cl.boxes.length) * (1000 / perBox);
        sent.push(
          sleep(at - Date.now())
            .then(() => frame(b, 'adm'))
            .then((s) => {
              counts.set(s, (counts.get(s) ?? 0) + 1);
              if (s === 200) okAt.push(Date.now());
              if (s !== 429) admittedAt.push(at);
            }),
        );
      }
    });
    await Promise.all(sent);
    const askedAt = Date.now();
    const view = (await cl.get<{ measured: Measured }>(cl.boxes[1]!, '/v1/deployments/adm')).measured;
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const admitted = total - (counts.get(429) ?? 0);
    t.diagnostic(
      `answers ${JSON.stringify(Object.fromEntries(counts))}; admitted ${admitted} of ${total} sent; ` +
        `target ${FPS * seconds}; merged ${JSON.stringify(view)}`,
    );
    assert.equal(counts.get(0) ?? 0, 0, 'every frame answered');
    // The rate, once the buckets' first burst (half a second of frames per box) is spent: the last 27 s.
    const steady = admittedAt.filter((at) => at >= t0 + 3000).length / (seconds - 3);
    t.diagnostic(`admitted rate over the last ${seconds - 3} s: ${steady.toFixed(3)} fps (target ${FPS})`);
    assert.ok(Math.abs(steady - FPS) <= 0.05 * FPS, `admitted ${steady.toFixed(2)} fps, target ${FPS} fps (±5%)`);
    // In all: the rate, plus each box's first burst (2 frames) and a frame in flight per box.
    assert.ok(admitted <= FPS * seconds + 3 * 3, `${admitted} admitted in all: rate plus bursts`);
    assert.equal(view.boxes, 3, 'every box measured');
    assert.equal(
      (view.frames!.ok ?? 0) - (base.ok ?? 0),
      counts.get(200) ?? 0,
      'merged ok count = what the client counted',
    );
    assert.equal(
      (view.frames!['rate-limited'] ?? 0) - (base['rate-limited'] ?? 0),
      counts.get(429) ?? 0,
      "merged 429s = client's",
    );
    const recentFps = okAt.filter((x) => x >= askedAt - 10_000).length / 10;
    assert.ok(
      Math.abs((view.fps ?? 0) - recentFps) <= 0.15 * recentFps + 0.3,
      `merged finish rate ${view.fps} fps vs the client's ${recentFps} fps over the last 10 s`,
    );
  });

  it("sends no frame to a suspected box's replicas", async (t) => {
    const cl = c!;
    const plan = await cl.get<Plan>(leader, '/v1/plan');
    const hosts = [...new Set(plan.placements.filter((p) => p.deployment === 'adm').map((p) => p.node))];
    t.diagnostic(`adm placed on ${hosts.join(', ')}; leader ${leader}`);
    const target = hosts.find((h) => h !== leader) ?? hosts[0]!;
    const sender = cl.boxes.find((b) => b !== target && b !== leader) ?? cl.boxes.find((b) => b !== target)!;
    const ids = replicasOf('slowstart', target);
    assert.ok(ids.length > 0, `replicas of adm on ${target}`);
    let stop = false;
    let sentAfter = 0;
    let suspectSeen = false;
    const loop = (async () => {
      while (!stop) {
        await frame(sender, 'adm');
        if (suspectSeen) sentAfter++;
        await sleep(150);
      }
    })();
    try {
      await sleep(1500);
      docker('pause', target);
      await waitFor(
        `${sender} sees ${target} suspect`,
        async () => {
          const v = await cl.view(sender);
          return v?.members.find((m) => m.id === target)?.state !== 'alive';
        },
        30_000,
        50,
      );
      suspectSeen = true;
      await sleep(300); // a frame already on its way when it was suspected may still arrive
      const before = ids.map((id) => healthOf(id).received);
      await sleep(4000);
      const after = ids.map((id) => healthOf(id).received);
      t.diagnostic(
        `frames received on ${target} at suspicion ${before}, 4 s later ${after}; ${sentAfter} sent meanwhile`,
      );
      assert.ok(sentAfter >= 10, 'frames kept coming');
      assert.deepEqual(after, before, `no frame reached ${target}'s replicas after it was suspected`);
    } finally {
      stop = true;
      await loop;
      docker('unpause', target);
    }
  });
});
