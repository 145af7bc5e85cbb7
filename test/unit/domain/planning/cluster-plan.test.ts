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
