/**
 * Derating: the leader plans with measured capacity factors, so a slow
 * accelerator is given less (the rest goes elsewhere), and with no factor the
 * plan is the one the profiles give (a steady cluster does not change).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterPlanner } from '../../../../src/domain/planning/cluster-planner.js';
import { derated, deratedModel } from '../../../../src/domain/planning/derate-profiles.js';
import { slotKey, type CapacityFactor } from '../../../../src/domain/planning/capacity-factors.js';
import type { ClusterDocument, NodeInventory, Plan, StoredProfile } from '../../../../src/domain/types.js';
import { oneModuleApp } from '../../../support/one-module-app.js';

const app = oneModuleApp('det', 'gpu');
const profile = (module: string, maxFps: number): StoredProfile => ({
  app: 'a',
  module,
  accelerator: 'g',
  maxFps,
  latencyMs: 20,
  cpuCores: 0.1,
  memoryMB: 64,
  digest: 'sha256:a',
  state: 'ok',
  measuredAt: 0,
});
const node = (id: string): NodeInventory => ({
  id,
  cpus: 4,
  memoryMB: 8192,
  accelerators: [{ id: 'gpu0', model: 'g', memoryMB: 8192 }],
});
const NODES = [node('n1'), node('n2')];
const doc: ClusterDocument = {
  version: 1,
  clusterName: 't',
  apps: [app],
  profiles: [profile('det', 10), profile('*', 10)],
  members: [],
  deployments: [
    { name: 'cam1', app: 'a', fps: 8, latencyMs: 500, priority: 0, createdAt: 0 },
    { name: 'cam2', app: 'a', fps: 4, latencyMs: 500, priority: 0, createdAt: 0 },
  ],
};
const slow = (factor: number): Map<string, CapacityFactor> => {
  const f = { node: 'n1', accelerator: 'gpu0', app: 'a', module: 'det', factor };
  return new Map([[slotKey(f), f]]);
};
const plan = (factors: Map<string, CapacityFactor>, previous?: Plan): Plan => {
  const input = derated(NODES, doc.profiles, factors);
  return clusterPlanner({ strategy: 'rim' })({ ...doc, profiles: input.profiles }, input.nodes, previous);
};
const fpsOn = (p: Plan, nodeId: string) => p.placements.filter((x) => x.node === nodeId).reduce((s, x) => s + x.fps, 0);

test('a derated accelerator gets a model of its own with every profile of its model, scaled by the factor', () => {
  const r = derated(NODES, doc.profiles, slow(0.5));
  const model = deratedModel('g', 'n1', 'gpu0');
  assert.equal(r.nodes[0]!.accelerators[0]!.model, model);
  assert.equal(r.nodes[1], NODES[1], 'the other box is as it was');
  assert.deepEqual(
    r.profiles.filter((p) => p.accelerator === model).map((p) => [p.module, p.maxFps]),
    [
      ['det', 5],
      ['*', 5],
    ],
  );
  assert.equal(r.profiles.filter((p) => p.accelerator === 'g').length, 2, 'the model’s own profiles stay');
  const none = derated(NODES, doc.profiles, new Map());
  assert.deepEqual(none, { nodes: NODES, profiles: doc.profiles });
  const cpu = { node: 'n1', accelerator: 'cpu', app: 'a', module: 'det', factor: 0.5 };
  assert.deepEqual(derated(NODES, doc.profiles, new Map([[slotKey(cpu), cpu]])).nodes, NODES, 'cores: not applied');
});

test('re-planned with a slow box, the plan gives that box less and the rest goes to the other', () => {
  const first = plan(new Map());
  assert.equal(first.rejected.length, 0, JSON.stringify(first));
  // Both boxes are used at 12 fps of a 9 fps (10 × 0.9 headroom) accelerator each.
  const before = fpsOn(first, 'n1');
  assert.ok(before > 4.5, `n1 holds ${before} fps before`);
  const next = plan(slow(0.5), first);
  assert.equal(next.rejected.length, 0, JSON.stringify(next));
  assert.ok(fpsOn(next, 'n1') <= 0.5 * 10 * 0.9 + 1e-9, `n1 holds ${fpsOn(next, 'n1')} fps at half speed`);
  assert.ok(Math.abs(fpsOn(next, 'n1') + fpsOn(next, 'n2') - 12) < 1e-6, 'every frame still placed');
  for (const p of next.placements) assert.equal(p.accelerator, 'gpu0', 'placements name accelerator ids, not models');
});

test('too slow for everything: what no longer fits is rejected with a reason, not silently kept', () => {
  const next = plan(slow(0.1), plan(new Map()));
  assert.ok(fpsOn(next, 'n1') <= 0.9 + 1e-9);
  assert.equal(next.rejected.length, 1, JSON.stringify(next));
});

test('steady (no factor): re-planning changes nothing', () => {
  const first = plan(new Map());
  const again = plan(new Map(), first);
  assert.deepEqual(again.placements, first.placements);
  assert.equal(again.moves, 0);
});
