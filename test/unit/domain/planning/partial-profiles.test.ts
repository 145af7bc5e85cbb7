/**
 * The leader's planner while profiles are partial: it never throws, a
 * running deployment keeps running where the stand-in put it until its app
 * is sized, an app sized on a follower's model is placed there, and what
 * cannot be placed says why (the missing profile or the capacity named).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planPlacement } from '../../../../src/domain/placement/index.js';
import { appSizing } from '../../../../src/domain/planning/app-sizing.js';
import { clusterPlanner } from '../../../../src/domain/planning/cluster-planner.js';
import { standInPlan } from '../../../../src/domain/planning/stand-in-plan.js';
import type {
  ClusterDocument,
  NodeInventory,
  Plan,
  RegisteredApp,
  StoredProfile,
} from '../../../../src/domain/types.js';

const app: RegisteredApp = {
  name: 'a',
  image: 'rim/a',
  digest: 'd1',
  registeredAt: 0,
  manifest: {
    apiVersion: 'rim/v1',
    name: 'a',
    entry: 'pre',
    modules: [
      { name: 'pre', image: 'self', accelerator: 'cpu', next: ['det'] },
      { name: 'det', image: 'self', accelerator: 'gpu', next: [], variants: [{ name: 'lite', quality: 0.5 }] },
    ],
  } as unknown as RegisteredApp['manifest'],
};
const gpuNode = (id: string, model = 'T4'): NodeInventory => ({
  id,
  cpus: 8,
  memoryMB: 16384,
  accelerators: [{ id: `${id}-g0`, model, memoryMB: 16000 }],
});
const cpuNode = (id: string): NodeInventory => ({ id, cpus: 8, memoryMB: 16384, accelerators: [] });
const prof = (module: string, accelerator: string, more: Partial<StoredProfile> = {}): StoredProfile => ({
  app: 'a',
  module,
  accelerator,
  maxFps: 50,
  latencyMs: 10,
  cpuCores: 0.2,
  memoryMB: 100,
  digest: 'd1',
  state: 'ok',
  measuredAt: 0,
  ...more,
});
const doc = (profiles: StoredProfile[], fps = 5): ClusterDocument => ({
  version: 1,
  clusterName: 't',
  apps: [app],
  profiles,
  members: [],
  deployments: [{ name: 'cam', app: 'a', fps, latencyMs: 500, priority: 0, createdAt: 0 }],
});
const plan = clusterPlanner({ strategy: 'rim' });
const rows = (p: Plan) => p.placements.map((x) => `${x.module}@${x.node}/${x.accelerator}`).sort();

/** Every partial mix: some modules/variants ok, others missing, failed or stale; "*" with or without modules. */
const PARTIAL: Array<[string, StoredProfile[]]> = [
  ['only the CPU module', [prof('pre', 'cpu')]],
  ['the GPU module failed', [prof('pre', 'cpu'), prof('det', 'T4', { state: 'failed', reason: 'never healthy' })]],
  ['the GPU module stale', [prof('pre', 'cpu'), prof('det', 'T4', { state: 'stale' })]],
  ['only the lite variant failed', [prof('pre', 'cpu'), prof('det', 'T4', { variant: 'lite', state: 'failed' })]],
  ['only the whole DAG', [prof('*', 'T4')]],
  ['the GPU module on a model no node has', [prof('pre', 'cpu'), prof('det', 'A100')]],
  ['a profile that sustains nothing', [prof('pre', 'cpu'), prof('det', 'T4', { maxFps: 0 })]],
];

for (const [what, profiles] of PARTIAL) {
  test(`partial profiles (${what}): no throw, the running stand-in placement is kept`, () => {
    const nodes = [gpuNode('n1'), gpuNode('n2', 'A2')];
    const first = plan(doc([]), nodes, undefined);
    assert.deepEqual(first.rejected, []);
    const next = plan(doc(profiles), nodes, first);
    assert.deepEqual(rows(next), rows(first), 'the deployment keeps running where it was');
    assert.deepEqual(next.rejected, []);
    assert.equal(next.moves, 0);
  });
}

test('the engine is handed a previous plan whose rows have no profile: it re-places them, never throws', () => {
  // The stand-in put det on n1's T4; det is profiled only on A2 (n2): the T4 row has nothing to size it by.
  const nodes = [gpuNode('n1'), gpuNode('n2', 'A2')];
  const first = standInPlan(doc([]), nodes, undefined);
  assert.ok(rows(first).includes('det@n1/n1-g0'));
  const profiles = [prof('pre', 'cpu'), prof('det', 'A2')];
  const next = planPlacement(
    { nodes, network: { bandwidthMbps: 1000, rttMs: 0.5 } },
    [app.manifest],
    profiles,
    doc(profiles).deployments,
    {},
    first,
  );
  assert.ok(rows(next).includes('det@n2/n2-g0'), JSON.stringify(next));
});

test("an app whose GPU module runs only on a follower's model is placed there, not rejected", () => {
  const nodes = [gpuNode('leader'), gpuNode('follower', 'A2')];
  const profiles = [prof('pre', 'cpu'), prof('det', 'A2'), prof('det', 'T4', { state: 'failed' })];
  const previous = plan(doc([]), nodes, undefined);
  const next = plan(doc(profiles), nodes, previous);
  assert.deepEqual(next.rejected, []);
  assert.match(next.strategy, /^rim/);
  assert.ok(
    rows(next).some((r) => r.startsWith('det@follower/')),
    JSON.stringify(next),
  );
});

test('a sized app the engine rejects while profiling is under way stays on the stand-in', () => {
  // det measured only on T4 so far (A2 not yet): 1000 fps fits no T4, but the stream must not be cut.
  const nodes = [gpuNode('n1'), gpuNode('n2', 'A2')];
  const first = plan(doc([], 1000), nodes, undefined);
  const next = plan(doc([prof('pre', 'cpu', { maxFps: 5000 }), prof('det', 'T4')], 1000), nodes, first);
  assert.deepEqual(next.rejected, []);
  assert.deepEqual(rows(next), rows(first));
});

test('once profiling is done, a deployment that does not fit is rejected with the capacity named', () => {
  const nodes = [gpuNode('n1')];
  const profiles = [
    prof('pre', 'cpu', { maxFps: 5000 }),
    prof('*', 'T4'),
    prof('det', 'T4'),
    prof('det', 'T4', { variant: 'lite', maxFps: 60 }),
  ];
  const next = plan(doc(profiles, 1000), nodes, undefined);
  assert.equal(next.rejected.length, 1);
  assert.match(next.rejected[0]!.reason, /GPU/);
});

test('a deployment that cannot run says why, with the missing profile named', () => {
  const profiles = [prof('pre', 'cpu'), prof('det', 'T4', { state: 'failed', reason: 'never healthy' })];
  const next = plan(doc(profiles), [cpuNode('n1')], undefined);
  assert.equal(next.rejected.length, 1);
  assert.match(next.rejected[0]!.reason, /module det needs a GPU and no live node has one/);
  const sizing = appSizing(app, profiles, [gpuNode('n1')]);
  const missing = ['module det: no usable profile on T4 (failed: never healthy)'];
  assert.deepEqual(sizing, { sized: false, profiling: true, missing });
});

test('sizing: every module needs an ok profile on a model present; the whole DAG alone is not enough', () => {
  const nodes = [gpuNode('n1')];
  assert.equal(appSizing(app, [prof('*', 'T4')], nodes).sized, false);
  assert.equal(appSizing(app, [prof('pre', 'cpu'), prof('det', 'T4', { variant: 'lite' })], nodes).sized, true);
  const done = appSizing(
    app,
    [
      prof('pre', 'cpu'),
      prof('det', 'T4'),
      prof('det', 'T4', { variant: 'lite' }),
      prof('pre', 'cpu'),
      prof('*', 'T4'),
    ],
    nodes,
  );
  assert.deepEqual(done, { sized: true, profiling: false, missing: [] });
  const newDigest = appSizing(
    { ...app, digest: 'd2' },
    [prof('pre', 'cpu'), prof('det', 'T4'), prof('det', 'T4', { variant: 'lite' }), prof('*', 'T4')],
    nodes,
  );
  assert.deepEqual([newDigest.sized, newDigest.profiling], [true, true], 'a new image digest is re-measured');
});

test('module profiles without the whole-DAG one: the engine places by modules', () => {
  const profiles = [prof('pre', 'cpu'), prof('det', 'T4')];
  const next = plan(doc(profiles), [gpuNode('n1'), gpuNode('n2')], undefined);
  assert.deepEqual(next.rejected, []);
  assert.match(next.strategy, /^rim$/);
});

test('with no live node every deployment is rejected with a reason, profiled or not', () => {
  const profiles = [prof('pre', 'cpu'), prof('det', 'T4'), prof('*', 'T4')];
  const d = doc(profiles);
  d.deployments.push({ name: 'other', app: 'a', fps: 1, latencyMs: 500, priority: 0, createdAt: 0 });
  const next = plan(d, [], undefined);
  assert.deepEqual(next.placements, []);
  assert.deepEqual(next.rejected.map((r) => r.deployment).sort(), ['cam', 'other']);
  for (const r of next.rejected) assert.match(r.reason, /no live node/);
});

test('the stand-in does not keep a GPU module on a node that lost its accelerator (no throw)', () => {
  const first = standInPlan(doc([]), [gpuNode('n1')], undefined);
  const noGpu = standInPlan(doc([]), [cpuNode('n1')], first);
  assert.deepEqual(noGpu.placements, []);
  assert.match(noGpu.rejected[0]!.reason, /needs a GPU/);
  const moved = standInPlan(doc([]), [cpuNode('n1'), gpuNode('n2')], first);
  assert.deepEqual(rows(moved), ['det@n2/n2-g0', 'pre@n2/cpu']);
  assert.equal(moved.moves, 1);
});

test('the stand-in keeps an engine placement split over nodes as it is', () => {
  const nodes = [gpuNode('n1'), gpuNode('n2')];
  const split: Plan = {
    strategy: 'rim',
    rejected: [],
    latencyMs: {},
    utilisation: {},
    solveMs: 0,
    placements: [
      { deployment: 'cam', module: 'pre', node: 'n1', accelerator: 'cpu', fps: 5 },
      { deployment: 'cam', module: 'det', node: 'n2', accelerator: 'n2-g0', fps: 3 },
      { deployment: 'cam', module: 'det', variant: 'lite', node: 'n1', accelerator: 'n1-g0', fps: 2 },
    ],
  };
  const next = standInPlan(doc([]), nodes, split);
  assert.deepEqual(next.placements, split.placements);
  assert.equal(next.moves, 0);
});
