/** The leader's planner: spreads work, keeps it in place on re-plans, moves only what a dead node held. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterPlanner } from '../../../../src/domain/planning/cluster-planner.js';
import { standInPlan } from '../../../../src/domain/planning/stand-in-plan.js';
import type { ClusterDocument, NodeInventory, RegisteredApp, StoredProfile } from '../../../../src/domain/types.js';

const app = (name: string): RegisteredApp => ({
  name,
  image: `rim/${name}`,
  digest: `sha256:${name}`,
  registeredAt: 0,
  manifest: {
    apiVersion: 'rim/v1',
    name,
    entry: 'm',
    modules: [{ name: 'm', image: 'self', accelerator: 'cpu', next: [] }],
  } as unknown as RegisteredApp['manifest'],
});
const node = (id: string): NodeInventory => ({ id, cpus: 4, memoryMB: 8192, accelerators: [] });
const doc = (apps: string[], profiles: StoredProfile[] = []): ClusterDocument => ({
  version: 1,
  clusterName: 't',
  apps: apps.map(app),
  profiles,
  members: [],
  deployments: apps.map((a) => ({ name: `${a}-cam`, app: a, fps: 5, latencyMs: 500, priority: 0, createdAt: 0 })),
});

test("the stand-in spreads deployments and moves only the dead node's", () => {
  const d = doc(['a', 'b', 'c']);
  const first = standInPlan(d, [node('n1'), node('n2'), node('n3')], undefined);
  assert.deepEqual(first.placements.map((p) => p.node).sort(), ['n1', 'n2', 'n3']);
  const lost = first.placements.find((p) => p.node === 'n2')!.deployment;
  const next = standInPlan(d, [node('n1'), node('n3')], first);
  for (const p of first.placements.filter((x) => x.node !== 'n2')) {
    assert.ok(
      next.placements.some((q) => q.deployment === p.deployment && q.node === p.node),
      `${p.deployment} stays`,
    );
  }
  assert.ok(['n1', 'n3'].includes(next.placements.find((p) => p.deployment === lost)!.node));
  assert.equal(next.moves, 1);
  const back = standInPlan(d, [node('n1'), node('n2'), node('n3')], next);
  assert.deepEqual(back.placements, next.placements, 'a returning node takes nothing back: no needless moves');
});

test('apps with profiles go to the placement engine, the others to the stand-in', () => {
  const profile: StoredProfile = {
    app: 'a',
    module: 'm',
    accelerator: 'cpu',
    maxFps: 100,
    latencyMs: 5,
    cpuCores: 0.5,
    memoryMB: 64,
    digest: 'sha256:a',
    state: 'ok',
    measuredAt: 0,
  };
  const plan = clusterPlanner({ strategy: 'rim' })(doc(['a', 'b'], [profile]), [node('n1'), node('n2')], undefined);
  assert.match(plan.strategy, /^rim\+stand-in$/);
  assert.ok(
    plan.placements.some((p) => p.deployment === 'a-cam'),
    JSON.stringify(plan),
  );
  assert.ok(plan.placements.some((p) => p.deployment === 'b-cam'));
  const only = clusterPlanner({ strategy: 'rim' })(doc(['b']), [node('n1')], undefined);
  assert.equal(only.strategy, 'stand-in');
});

test("the planner prices the router's hops over the links measured at join, or configured", () => {
  // Two modules of 3 cores each at 10 fps: no one 4-core box holds both, so every plan splits them.
  const chain: RegisteredApp = {
    ...app('ch'),
    manifest: {
      apiVersion: 'rim/v1',
      name: 'ch',
      entry: 'dec',
      modules: [
        { name: 'dec', image: 'self', accelerator: 'cpu', next: ['post'], frameKB: 100 },
        { name: 'post', image: 'self', accelerator: 'cpu', next: [], frameKB: 100 },
      ],
    } as unknown as RegisteredApp['manifest'],
  };
  const prof = (module: string): StoredProfile => ({
    app: 'ch',
    module,
    accelerator: 'cpu',
    maxFps: 10,
    latencyMs: 10,
    cpuCores: 3,
    memoryMB: 64,
    digest: 'sha256:ch',
    state: 'ok',
    measuredAt: 0,
  });
  const d: ClusterDocument = {
    ...doc([]),
    apps: [chain],
    profiles: [prof('dec'), prof('post'), { ...prof('*'), cpuCores: 6, maxFps: 5, latencyMs: 20 }],
    deployments: [{ name: 'cam', app: 'ch', fps: 10, latencyMs: 500, priority: 0, createdAt: 0 }],
  };
  const nodes = [node('n1'), node('n2')];
  const member = (id: string, link?: { bandwidthMbps: number; rttMs: number }) => ({
    id,
    address: `${id}:7878`,
    joinedAt: 0,
    lastSeen: 0,
    state: 'alive' as const,
    ...(link ? { link: { ...link, by: 'n1', at: 0 } } : {}),
  });
  const plan = clusterPlanner({ strategy: 'rim' });
  const fast = plan({ ...d, members: [member('n1'), member('n2')] }, nodes, undefined);
  assert.deepEqual(fast.rejected, [], 'the default gigabit link: the hop fits');
  // Measured: 1 Mbit/s, 50 ms. The module on the other box costs (100 + 100) KB · 8 / 1 + 50 ms > 500 ms.
  const slow = { bandwidthMbps: 1, rttMs: 50 };
  const measured = plan({ ...d, members: [member('n1'), member('n2', slow)] }, nodes, undefined);
  assert.equal(measured.rejected.length, 1, JSON.stringify(measured));
  // The config's link for the pair wins over the measurement.
  const configured = clusterPlanner(
    { strategy: 'rim' },
    { links: [{ a: 'n2', b: 'n1', bandwidthMbps: 1000, rttMs: 1 }] },
  )({ ...d, members: [member('n1'), member('n2', slow)] }, nodes, undefined);
  assert.deepEqual(configured.rejected, []);
  assert.ok(configured.latencyMs.cam! > fast.latencyMs.cam!, 'a 1 ms RTT costs more than the default 0.5 ms');
});
