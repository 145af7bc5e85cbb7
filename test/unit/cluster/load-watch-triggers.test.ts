/**
 * The load watch's three triggers over the cluster's merged measurements, on
 * a fake clock (one look every 2 s, no sleeps): an auto rate out of its band
 * (`load`), a sustained SLO violation of a placed deployment (`slo`), and a
 * saturated replica serving under 0.8× its planned fps (`capacity`). Each
 * fires once sustained, with its reason returned (for plan.reason) and
 * announced (the `plan` `trigger` event) naming the trigger; a steady load at
 * 0.95 of the allocation fires nothing in 10 minutes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { LoadWatch, plannedByReplica, type LoadTriggered } from '../../../src/cluster/load-watch.js';
import type { MeasuredView } from '../../../src/domain/routing/deployment-stats.js';
import { replicaName } from '../../../src/domain/replica-spec.js';
import type { ClusterDocument } from '../../../src/domain/types.js';
import { createLogger } from '../../../src/log.js';

const REPLICA = replicaName('n1', 'a', 'det', 'default', 'cpu');
const doc = (fps: number, maxFps?: number): ClusterDocument => ({
  version: 1,
  clusterName: 't',
  apps: [],
  profiles: [],
  deployments: [
    { name: 'cam', app: 'a', fps, ...(maxFps ? { maxFps } : {}), latencyMs: 500, priority: 0, createdAt: 0 },
  ],
  members: [],
  plan: {
    strategy: 'rim',
    placements: [
      { deployment: 'cam', module: 'det', node: 'n1', accelerator: 'cpu', fps: fps / 2 },
      { deployment: 'cam', module: 'det', node: 'n1', accelerator: 'cpu', fps: fps / 2 },
    ],
    rejected: [],
    latencyMs: {},
    utilisation: {},
    solveMs: 0,
  },
});

interface Look {
  arrival: number;
  slo?: 'met' | 'violated';
  served?: number;
  busy?: number;
}
const view = (l: Look): MeasuredView => ({
  fps: l.arrival,
  inputFps: l.arrival,
  latencyMs: { p50: 5, p95: 8, p99: 9 },
  slo: l.slo ?? 'met',
  ...(l.served !== undefined
    ? { replicas: [{ replica: REPLICA, node: 'n1', module: 'det', servedFps: l.served, busy: l.busy ?? 0 }] }
    : {}),
});

/** Looks every 2 s for `seconds` at document `d`; what each look returned, reallocated and announced. */
async function watch(d: ClusterDocument, look: (at: number) => Look, seconds: number) {
  let t = 0;
  const announced: (LoadTriggered & { at: number })[] = [];
  const reallocated: { at: number; fps: Record<string, number> }[] = [];
  const reasons: { at: number; reason: string }[] = [];
  const w = new LoadWatch({
    reallocate: async (fps) => void reallocated.push({ at: t, fps: Object.fromEntries(fps) }),
    measure: async () => new Map([['cam', view(look(t))]]),
    logger: createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
    now: () => t,
    announce: (x) => announced.push({ ...x, at: t }),
  });
  for (; t <= seconds * 1000; t += 2000) {
    const why = await w.tick(d);
    if (why) reasons.push({ at: t, reason: why });
  }
  return { announced, reallocated, reasons, factors: w.factors() };
}

test('the planned fps of a replica is the sum of the placements it serves', () => {
  assert.deepEqual([...plannedByReplica(doc(12))], [[REPLICA, 12]]);
});

test('capacity: a saturated replica serving under 0.8× its plan re-plans after 10 s, and says so', async () => {
  const r = await watch(doc(10), () => ({ arrival: 10, served: 6, busy: 0.96 }), 20);
  assert.deepEqual(
    r.reasons.map((x) => x.at),
    [10_000],
  );
  assert.match(r.reasons[0]!.reason, /^capacity: replica rim-n1-a-det-default-cpu on n1 busy 0.96 serving 6 fps/);
  assert.deepEqual(
    r.announced.map((a) => [a.at, a.trigger, a.subject]),
    [[10_000, 'capacity', REPLICA]],
  );
  assert.deepEqual(r.reallocated, [], 'a fixed rate is not re-allocated');
});

test('slo: a placed deployment violating its SLO for 10 s re-plans, and says so', async () => {
  const r = await watch(doc(10), () => ({ arrival: 10, slo: 'violated' }), 20);
  assert.deepEqual(
    r.announced.map((a) => [a.at, a.trigger, a.subject]),
    [[10_000, 'slo', 'cam']],
  );
  assert.match(r.reasons[0]!.reason, /^load: cam SLO violated for 10 s/);
});

test('load: an auto rate whose arrival left its band is re-allocated, and says so', async () => {
  // 15 fps arriving: the allocation becomes 15 × 1.1 = 16.5, rounded up.
  const r = await watch(doc(10, 20), () => ({ arrival: 15 }), 20);
  assert.deepEqual(r.reallocated, [{ at: 10_000, fps: { cam: 17 } }]);
  assert.deepEqual(
    r.announced.map((a) => [a.at, a.trigger, a.subject]),
    [[10_000, 'load', 'cam']],
  );
});

test('no flapping: a steady load at 0.95 of the allocation fires nothing for 10 minutes', async () => {
  const steady = () => ({ arrival: 9.5, served: 9.5, busy: 0.95 });
  for (const d of [doc(10, 20), doc(10)]) {
    const r = await watch(d, steady, 600);
    assert.deepEqual(r, { announced: [], reallocated: [], reasons: [], factors: new Map() });
  }
});

test('capacity on an accelerator: the replica short of its profile derates its module there, and says so', async () => {
  // Planned 12 fps on gpu0 (profile 15 fps: share 0.8, the accelerator 0.8 used), busy all the time at 7.5 fps.
  const gpu: ClusterDocument = {
    ...doc(12),
    members: [
      {
        id: 'n1',
        address: 'n1:1',
        joinedAt: 0,
        lastSeen: 0,
        state: 'alive',
        inventory: { id: 'n1', cpus: 4, memoryMB: 8192, accelerators: [{ id: 'gpu0', model: 'g', memoryMB: 8192 }] },
      },
    ],
    profiles: [
      {
        ...{ app: 'a', module: 'det', accelerator: 'g', maxFps: 15, latencyMs: 20, cpuCores: 0.1, memoryMB: 64 },
        ...{ digest: 'sha256:a', state: 'ok', measuredAt: 0 },
      },
    ],
  };
  gpu.plan = {
    ...gpu.plan!,
    placements: [{ deployment: 'cam', module: 'det', node: 'n1', accelerator: 'gpu0', fps: 12 }],
    utilisation: { 'n1/gpu0': 0.8 },
  };
  const name = replicaName('n1', 'a', 'det', 'default', 'gpu0');
  let t = 0;
  const reasons: string[] = [];
  const w = new LoadWatch({
    reallocate: async () => undefined,
    measure: async () =>
      new Map([
        [
          'cam',
          {
            ...view({ arrival: 12 }),
            replicas: [{ replica: name, node: 'n1', module: 'det', servedFps: 7.5, busy: 1 }],
          },
        ],
      ]),
    logger: createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
    now: () => t,
  });
  for (; t <= 20_000; t += 2000) {
    const why = await w.tick(gpu);
    if (why) reasons.push(why);
  }
  assert.equal(reasons.length, 1);
  assert.match(
    reasons[0]!,
    /^capacity: replica .* below 0.8× its planned 12 fps for 10 s; derated: a\/det on n1\/gpu0/,
  );
  assert.deepEqual(
    [...w.factors().values()],
    [{ node: 'n1', accelerator: 'gpu0', app: 'a', module: 'det', factor: 0.5 }],
  );
});
