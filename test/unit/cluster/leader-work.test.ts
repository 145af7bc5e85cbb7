/**
 * The leader's loop over a fake election view: a plan lost to a newer
 * document is planned again (never recorded as done); a member's reported
 * inventory replaces the stored one (the leader's own too); and no plan is
 * made on an inventory known to be stale, so running replicas are never
 * torn down on it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { LeaderWork } from '../../../src/cluster/leader-work.js';
import { staleInventories, withReportedInventories } from '../../../src/domain/membership/member-changes.js';
import { standInPlan } from '../../../src/domain/planning/stand-in-plan.js';
import type { ClusterDocument, NodeInventory, Plan } from '../../../src/domain/types.js';
import { createLogger } from '../../../src/log.js';
import { FakeView } from './fake-view.js';
import { until } from './harness.js';
import { oneModuleApp } from '../../support/one-module-app.js';

const gpuApp = oneModuleApp('det', 'gpu');
const bare = (id: string): NodeInventory => ({ id, cpus: 4, memoryMB: 8192, accelerators: [] });
const withGpu = (id: string): NodeInventory => ({
  id,
  cpus: 3,
  memoryMB: 8192,
  accelerators: [{ id: 'emu0', model: 'RTX 2080 Ti', memoryMB: 4096, emulated: true, cpus: 1 }],
});
const running: Plan = {
  strategy: 'stand-in',
  rejected: [],
  latencyMs: {},
  utilisation: {},
  solveMs: 0,
  placements: [{ deployment: 'cam', module: 'det', node: 'n1', accelerator: 'emu0', fps: 5 }],
};
const docWith = (inventory: NodeInventory, plan?: Plan): ClusterDocument => ({
  version: 1,
  clusterName: 't',
  apps: [gpuApp],
  profiles: [],
  ...(plan ? { plan } : {}),
  deployments: [{ name: 'cam', app: 'a', fps: 5, latencyMs: 500, priority: 0, createdAt: 0 }],
  members: [{ id: 'n1', address: 'n1:7878', joinedAt: 0, lastSeen: Date.now(), state: 'alive', inventory }],
});

function startLeader(view: FakeView, reported: () => Map<string, NodeInventory>) {
  const abort = new AbortController();
  const logs: string[] = [];
  let asked = 0;
  new LeaderWork({
    nodeId: 'n1',
    view,
    detector: { suspectAfterMs: 60000, deadAfterMs: 120000, expireAfterMs: 0 },
    planner: standInPlan,
    timings: { leaderTickMs: 10 },
    reportedInventories: async () => {
      asked++;
      return reported();
    },
    logger: createLogger({
      destination: new Writable({
        write(c, _e, cb) {
          logs.push(String(c));
          cb();
        },
      }),
    }),
    now: Date.now,
  }).start(abort.signal);
  /** Resolves once `n` more leader rounds have run to their end (each round asks for inventories once). */
  const rounds = (n: number) => {
    const target = asked + n + 1;
    return until(`${n} more leader rounds`, () => asked >= target, 5000);
  };
  return { stop: () => abort.abort(), logs, rounds };
}

test('a plan lost to a newer document is planned again, not recorded as done', async () => {
  const view = new FakeView(docWith(withGpu('n1')));
  let bumped = false;
  view.before = (make) => {
    // Once, between the leader's read and its plan's proposal, another change commits (one the plan does not read).
    if (bumped || !make(view.head, view.head.index + 1)?.data.plan) return;
    bumped = true;
    view.head = { ...view.head, index: 2, data: { ...view.head.data, version: 2 } };
  };
  const leader = startLeader(view, () => new Map([['n1', withGpu('n1')]]));
  try {
    const plan = await until('the plan to be proposed after the conflict', () => view.newestDoc().plan, 3000);
    assert.ok(bumped, 'the first proposal met a newer document');
    assert.deepEqual(
      plan.placements.map((p) => `${p.node}/${p.accelerator}`),
      ['n1/emu0'],
    );
  } finally {
    leader.stop();
  }
});

test("a restarted box's new inventory replaces the stored one, and placement uses it", async () => {
  // The leader itself restarted with an emulated GPU on the same data volume: the document still says none.
  const view = new FakeView(docWith(bare('n1')));
  const leader = startLeader(view, () => new Map([['n1', withGpu('n1')]]));
  try {
    const doc = await until('a plan on the refreshed inventory', () => view.newestDoc().plan && view.newestDoc(), 3000);
    assert.deepEqual(doc.members[0]!.inventory, withGpu('n1'));
    assert.deepEqual(doc.plan!.rejected, []);
    assert.ok(
      view.proposals.every((d) => !d.plan || d.members[0]!.inventory!.accelerators.length === 1),
      'no plan was ever proposed on the stale inventory',
    );
  } finally {
    leader.stop();
  }
});

test("running replicas are not re-planned away while the document's inventory is stale", async () => {
  // cam runs on n1's emu0; the document still has n1's old inventory (no GPU); the refresh is not stored (yet).
  const view = new FakeView(docWith(bare('n1'), running));
  view.refuse = (d) => d.members[0]!.inventory!.accelerators.length > 0;
  const leader = startLeader(view, () => new Map([['n1', withGpu('n1')]]));
  try {
    await leader.rounds(5); // absence is the point: five whole rounds and no proposal
    assert.deepEqual(view.newestDoc().plan, running, 'the running plan stays');
    assert.equal(view.proposals.length, 0);
    view.refuse = undefined;
    const refreshed = () => view.newestDoc().members[0]!.inventory!.accelerators.length > 0;
    const doc = await until('the refresh', () => refreshed() && view.newestDoc(), 3000);
    await leader.rounds(3); // and rounds with the refreshed inventory
    assert.deepEqual(view.newestDoc().plan?.placements, running.placements, 'still running where it was');
    assert.ok(doc);
  } finally {
    leader.stop();
  }
});

test('stale inventories: only members that report other hardware, in any field order', () => {
  const doc = docWith(bare('n1'));
  doc.members.push({ id: 'n2', address: 'n2:7878', joinedAt: 0, lastSeen: 0, state: 'alive', inventory: bare('n2') });
  const reordered = { accelerators: [], memoryMB: 8192, cpus: 4, id: 'n2' } as NodeInventory;
  const reported = new Map([
    ['n1', withGpu('n1')],
    ['n2', reordered],
    ['n3', bare('n3')],
  ]);
  assert.deepEqual(staleInventories(doc, reported), ['n1']);
  const next = withReportedInventories(doc, reported);
  assert.deepEqual(
    next.members.map((m) => m.inventory),
    [withGpu('n1'), bare('n2')],
  );
  assert.equal(withReportedInventories(next, reported), next, 'nothing to change: the same document');
});

test('a planner that throws is reported once per set of inputs, not on every tick; the plan stays', async () => {
  const view = new FakeView(docWith(withGpu('n1'), running));
  const abort = new AbortController();
  const logs: string[] = [];
  let calls = 0;
  let asked = 0;
  new LeaderWork({
    nodeId: 'n1',
    view,
    detector: { suspectAfterMs: 60000, deadAfterMs: 120000, expireAfterMs: 0 },
    planner: () => {
      calls++;
      throw new TypeError("Cannot read properties of undefined (reading 'maxFps')");
    },
    timings: { leaderTickMs: 10 },
    reportedInventories: async () => {
      asked++;
      return new Map([['n1', withGpu('n1')]]);
    },
    logger: createLogger({
      destination: new Writable({
        write(c, _e, cb) {
          logs.push(String(c));
          cb();
        },
      }),
    }),
    now: Date.now,
  }).start(abort.signal);
  try {
    await until('ten whole leader rounds', () => asked >= 11, 5000); // absence is the point: no second report
    assert.equal(calls, 1);
    assert.equal(logs.filter((l) => /planning failed/.test(l)).length, 1);
    assert.deepEqual(view.newestDoc().plan, running);
  } finally {
    abort.abort();
  }
});

test('the leader measures the link to a member that joined, once, and records it in the member entry', async () => {
  const doc = docWith(withGpu('n1'));
  doc.members.push({ id: 'n2', address: 'n2:7878', joinedAt: 0, lastSeen: Date.now(), state: 'alive' });
  doc.members.push({ id: 'n3', address: 'n3:7878', joinedAt: 0, lastSeen: Date.now(), state: 'alive' });
  // n2 and n3 answer the leader's heartbeats (else the failure detector declares them dead at once).
  const view = new (class extends FakeView {
    override snapshot() {
      const now = Date.now();
      return { role: 'leader', leader: 'n1', term: 1, ackAt: { n2: now, n3: now }, becameLeaderAt: 0 } as never;
    }
  })(doc);
  const asked: string[] = [];
  let rounds = 0;
  const abort = new AbortController();
  const logs: string[] = [];
  new LeaderWork({
    nodeId: 'n1',
    view,
    detector: { suspectAfterMs: 60000, deadAfterMs: 120000, expireAfterMs: 0 },
    timings: { leaderTickMs: 10 },
    reportedInventories: async () => {
      rounds++;
      return new Map();
    },
    measureLink: async (id, address) => {
      asked.push(`${id}@${address}`);
      if (id === 'n3') throw new Error('timed out');
      return { bandwidthMbps: 250, rttMs: 3 };
    },
    logger: createLogger({
      destination: new Writable({
        write(c, _e, cb) {
          logs.push(String(c));
          cb();
        },
      }),
    }),
    now: Date.now,
  }).start(abort.signal);
  try {
    const n2 = await until('n2 measured', () => view.head.data.members.find((m) => m.id === 'n2')?.link);
    assert.deepEqual({ ...n2, at: 0 }, { bandwidthMbps: 250, rttMs: 3, by: 'n1', at: 0 });
    await until('n3 failed', () => logs.some((l) => l.includes('link not measured')));
    const before = asked.length;
    const target = rounds + 5;
    await until('5 more leader rounds', () => rounds >= target);
    assert.deepEqual(asked.slice(before), [], 'measured once; a failure is not retried within the minute');
    assert.deepEqual(asked.sort(), ['n2@n2:7878', 'n3@n3:7878']);
    assert.equal(view.head.data.members.find((m) => m.id === 'n3')!.link, undefined);
  } finally {
    abort.abort();
  }
});
