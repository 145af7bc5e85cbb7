/**
 * The leader re-plans on measured load (load-watch.ts over LeaderWork, a
 * fake election view and a fake clock): an `auto` rate whose arrival falls
 * below 0.8× its allocation for 10 s gets a new allocation and a plan that
 * says why; a steady load inside the band re-plans nothing, for 10 minutes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { LeaderWork } from '../../../src/cluster/leader-work.js';
import { standInPlan } from '../../../src/domain/planning/stand-in-plan.js';
import type { MeasuredView } from '../../../src/domain/routing/deployment-stats.js';
import type { ClusterDocument, NodeInventory } from '../../../src/domain/types.js';
import { createLogger } from '../../../src/log.js';
import { FakeView } from './fake-view.js';
import { until } from './harness.js';
import { oneModuleApp } from '../../support/one-module-app.js';

const app = oneModuleApp('det');
const inv: NodeInventory = { id: 'n1', cpus: 4, memoryMB: 8192, accelerators: [] };
const T0 = 1_700_000_000_000;
const doc: ClusterDocument = {
  version: 1,
  clusterName: 't',
  apps: [app],
  profiles: [],
  deployments: [{ name: 'cam', app: 'a', fps: 20, maxFps: 20, latencyMs: 500, priority: 0, createdAt: 0 }],
  members: [{ id: 'n1', address: 'n1:7878', joinedAt: T0, lastSeen: T0, state: 'alive', inventory: inv }],
};

const view = (inputFps: number): MeasuredView => ({
  fps: inputFps,
  inputFps,
  latencyMs: { p50: 5, p95: 8, p99: 9 },
  slo: 'met',
});

/** A leader on a fake clock; `step` moves the clock (2 s) and waits for the leader to look at load again. */
function leader(arrival: () => number) {
  let t = T0;
  let looks = 0;
  const v = new FakeView(doc);
  const abort = new AbortController();
  new LeaderWork({
    nodeId: 'n1',
    view: v,
    detector: { suspectAfterMs: 60000, deadAfterMs: 120000, expireAfterMs: 0 },
    planner: standInPlan,
    timings: { leaderTickMs: 5 },
    reportedInventories: async () => new Map([['n1', inv]]),
    measure: async () => {
      looks++;
      return new Map([['cam', view(arrival())]]);
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

test('an auto rate whose arrival falls below 0.8× re-allocates after 10 s and re-plans with the reason', async () => {
  const l = leader(() => 6.3);
  try {
    await until('the first plan', () => l.v.newestDoc().plan, 3000);
    assert.match(l.v.newestDoc().plan!.reason!, /^inputs: first plan/);
    // The first look started the 10 s; 8 s later nothing has changed.
    for (let i = 0; i < 4; i++) await l.step();
    assert.equal(l.v.newestDoc().deployments[0]!.fps, 20, 'not before 10 s');
    await l.step();
    const d = await until('the re-plan', () =>
      l.v.newestDoc().plan?.placements[0]?.fps === 7 ? l.v.newestDoc() : undefined,
    );
    assert.equal(d.deployments[0]!.fps, 7);
    assert.equal(d.deployments[0]!.maxFps, 20);
    assert.match(d.plan!.reason!, /load: cam arrival 6.3 fps below 0.8× its allocation 20 fps .* allocation now 7 fps/);
  } finally {
    l.stop();
  }
});

test('the plan made on a re-allocation says why even when it is made before the proposal resolves', async () => {
  const l = leader(() => 6.3);
  // The re-allocation's proposal resolves only once the leader has planned on it (a slow commit).
  l.v.settle = async (data) => {
    if (data.deployments[0]!.fps !== 7 || data.plan?.placements[0]?.fps === 7) return;
    await until('a plan on the re-allocated document', () => l.v.newestDoc().plan?.placements[0]?.fps === 7, 3000);
  };
  try {
    await until('the first plan', () => l.v.newestDoc().plan, 3000);
    for (let i = 0; i < 5; i++) await l.step();
    const d = await until('the re-plan', () =>
      l.v.newestDoc().plan?.placements[0]?.fps === 7 ? l.v.newestDoc() : undefined,
    );
    assert.match(d.plan!.reason!, /^load: cam arrival 6.3 fps below 0.8×/);
  } finally {
    l.stop();
  }
});

test('a steady load at 0.95 of the allocation re-plans nothing for 10 minutes', async () => {
  const l = leader(() => 19);
  try {
    await until('the first plan', () => l.v.newestDoc().plan, 3000);
    const proposed = l.v.proposals.length;
    for (let i = 0; i < 150; i++) await l.step(4000);
    assert.equal(l.v.proposals.length, proposed);
  } finally {
    l.stop();
  }
});
