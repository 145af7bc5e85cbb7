/**
 * The leader derates a slow accelerator (load-watch.ts → capacity factors →
 * derate-profiles.ts, over LeaderWork, a fake election view and a fake
 * clock): two boxes with one accelerator each, the same model profiled at
 * 10 fps; n1's really serves 4 fps. Once its replica has been saturated and
 * short of its plan for 10 s, the leader re-plans with n1 derated: n1 gets
 * at most what it measured, the rest goes to n2, and the plan says why. With
 * both boxes as fast as profiled, nothing re-plans in 10 minutes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { LeaderWork } from '../../../src/cluster/leader-work.js';
import { clusterPlanner } from '../../../src/domain/planning/cluster-planner.js';
import { plannedReplicas } from '../../../src/domain/planning/planned-replicas.js';
import type { MeasuredView } from '../../../src/domain/routing/deployment-stats.js';
import type { ClusterDocument, NodeInventory, Plan } from '../../../src/domain/types.js';
import { createLogger } from '../../../src/log.js';
import { FakeView } from './fake-view.js';
import { until } from './harness.js';
import { oneModuleApp } from '../../support/one-module-app.js';

const app = oneModuleApp('det', 'gpu');
const inv = (id: string): NodeInventory => ({
  id,
  cpus: 4,
  memoryMB: 8192,
  accelerators: [{ id: 'gpu0', model: 'g', memoryMB: 8192 }],
});
const T0 = 1_700_000_000_000;
const member = (id: string) => ({ id, address: `${id}:7878`, joinedAt: T0, lastSeen: T0, state: 'alive' as const });
const profile = (module: string) => ({
  ...{ app: 'a', module, accelerator: 'g', maxFps: 10, latencyMs: 20, cpuCores: 0.1, memoryMB: 64 },
  ...{ digest: 'sha256:a', state: 'ok' as const, measuredAt: 0 },
});
const doc: ClusterDocument = {
  version: 1,
  clusterName: 't',
  apps: [app],
  profiles: [profile('det'), profile('*')],
  deployments: [
    { name: 'cam1', app: 'a', fps: 8, latencyMs: 500, priority: 0, createdAt: 0 },
    { name: 'cam2', app: 'a', fps: 4, latencyMs: 500, priority: 0, createdAt: 0 },
  ],
  members: [
    { ...member('n1'), inventory: inv('n1') },
    { ...member('n2'), inventory: inv('n2') },
  ],
};

/** What each box's replica would measure under `plan` when its accelerator really serves `capacity` fps. */
function measured(d: ClusterDocument, capacity: Record<string, number>): Map<string, MeasuredView> {
  const replicas = [...plannedReplicas(d)].map(([replica, r]) => {
    const c = capacity[r.slot.node]!;
    return {
      replica,
      node: r.slot.node,
      module: r.slot.module,
      servedFps: Math.min(r.fps, c),
      busy: Math.min(1, r.fps / c),
    };
  });
  const view: MeasuredView = { fps: 12, inputFps: 12, latencyMs: { p50: 5, p95: 8, p99: 9 }, slo: 'met', replicas };
  return new Map(d.deployments.map((x) => [x.name, view]));
}

function leader(capacity: Record<string, number>) {
  let t = T0;
  let looks = 0;
  const v = new FakeView(doc);
  const abort = new AbortController();
  new LeaderWork({
    nodeId: 'n1',
    view: v,
    detector: { suspectAfterMs: 3_600_000, deadAfterMs: 7_200_000, expireAfterMs: 0 },
    planner: clusterPlanner({ strategy: 'rim' }),
    timings: { leaderTickMs: 5 },
    reportedInventories: async () =>
      new Map([
        ['n1', inv('n1')],
        ['n2', inv('n2')],
      ]),
    measure: async () => {
      looks++;
      return measured(v.newestDoc(), capacity);
    },
    logger: createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
    now: () => t,
  }).start(abort.signal);
  const step = async (ms = 2000) => {
    const before = looks;
    t += ms;
    await until('the leader to look at load', () => looks > before, 3000);
  };
  return { v, step, stop: () => abort.abort() };
}

const fpsOn = (p: Plan, node: string) => p.placements.filter((x) => x.node === node).reduce((s, x) => s + x.fps, 0);

test('a slow accelerator: the leader re-plans it derated: it gets what it serves and the rest elsewhere', async () => {
  const l = leader({ n1: 4, n2: 10 });
  try {
    const first = await until('the first plan', () => l.v.newestDoc().plan, 3000);
    assert.ok(fpsOn(first, 'n1') > (0.8 * 4) / 0.8, `the first plan gives n1 ${fpsOn(first, 'n1')} fps`);
    for (let i = 0; i < 6; i++) await l.step();
    const p = await until('the derated plan', () => {
      const x = l.v.newestDoc().plan!;
      return /^capacity:/.test(x.reason ?? '') ? x : undefined;
    });
    assert.match(p.reason!, /; derated: a\/det on n1\/gpu0 .* gets 0.4 of its profile/);
    assert.ok(fpsOn(p, 'n1') <= 4 * 0.9 + 1e-6, `n1 now holds ${fpsOn(p, 'n1')} fps`);
    assert.ok(Math.abs(fpsOn(p, 'n1') + fpsOn(p, 'n2') - 12) < 1e-6, 'every frame still placed');
    assert.deepEqual(p.rejected, []);
    // Derated, it keeps up: nothing more changes for 10 minutes.
    const proposed = l.v.proposals.length;
    for (let i = 0; i < 150; i++) await l.step(4000);
    assert.equal(l.v.proposals.length, proposed);
  } finally {
    l.stop();
  }
});

test('steady: with every box as fast as profiled, nothing re-plans for 10 minutes', async () => {
  const l = leader({ n1: 10, n2: 10 });
  try {
    await until('the first plan', () => l.v.newestDoc().plan, 3000);
    const proposed = l.v.proposals.length;
    for (let i = 0; i < 150; i++) await l.step(4000);
    assert.equal(l.v.proposals.length, proposed);
  } finally {
    l.stop();
  }
});
