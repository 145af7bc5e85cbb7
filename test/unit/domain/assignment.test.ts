import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocatePorts, assignmentForNode } from '../../../src/domain/assignment.js';
import { oneBoxPlan } from '../../../src/domain/planning/one-box-plan.js';
import { ValidationError } from '../../../src/domain/errors.js';
import type { Deployment, NodeInventory, Plan } from '../../../src/domain/types.js';
import { box, synthetic } from './supervisor/fixtures.js';

const range = { from: 17000, to: 17009 };
const deps: Deployment[] = [
  { name: 'cam-2', app: 'synthetic', fps: 5, latencyMs: 300 },
  { name: 'cam-1', app: 'synthetic', fps: 10, latencyMs: 300 },
  { name: 'mic-1', app: 'ghost', fps: 10, latencyMs: 300 },
];

test('one-box plan: every module of every deployment here, GPU modules on the first accelerator', () => {
  const plan = oneBoxPlan(box, [synthetic], deps);
  assert.equal(plan.strategy, 'one-box');
  assert.deepEqual(
    plan.placements.map((p) => `${p.deployment}/${p.module}@${p.accelerator}:${p.fps}`),
    [
      'cam-1/decode@cpu:10',
      'cam-1/detect@emu0:10',
      'cam-1/track@cpu:10',
      'cam-2/decode@cpu:5',
      'cam-2/detect@emu0:5',
      'cam-2/track@cpu:5',
    ],
  );
  assert.deepEqual(plan.rejected, [{ deployment: 'mic-1', reason: 'app ghost is not registered' }]);
});

test('one-box plan on a box without any accelerator rejects GPU apps with a reason', () => {
  const bare: NodeInventory = { ...box, accelerators: [] };
  const plan = oneBoxPlan(bare, [synthetic], deps.slice(0, 1));
  assert.deepEqual(plan.placements, []);
  assert.match(plan.rejected[0]!.reason, /module detect needs a GPU/);
});

test('the assignment has one replica per (module, variant, accelerator), shared by deployments', () => {
  const plan = oneBoxPlan(box, [synthetic], deps);
  const { assignment, ports } = assignmentForNode({
    node: box,
    plan,
    apps: [synthetic],
    deployments: deps,
    ports: {},
    range,
    version: 3,
  });
  assert.equal(assignment.node, 'box-1');
  assert.equal(assignment.version, 3);
  assert.deepEqual(
    assignment.replicas.map((r) => `${r.name}:${r.port}`),
    [
      'rim-box-1-synthetic-decode-default-cpu:17000',
      'rim-box-1-synthetic-detect-default-emu0:17001',
      'rim-box-1-synthetic-track-default-cpu:17002',
    ],
  );
  assert.deepEqual(assignment.replicas[1]!.accelerator, {
    kind: 'emulated',
    id: 'emu0',
    model: 'fake-t4',
    cpus: 1.5,
    cpuset: '2-3',
  });
  assert.equal(Object.keys(ports).length, 3);
});

test("placements of other nodes are not this node's business", () => {
  const plan: Plan = {
    strategy: 'rim',
    placements: [
      { deployment: 'cam-1', module: 'detect', variant: 'tiny', node: 'box-2', accelerator: 'gpu0', fps: 10 },
    ],
    rejected: [],
    latencyMs: {},
    utilisation: {},
    solveMs: 1,
  };
  const { assignment } = assignmentForNode({
    node: box,
    plan,
    apps: [synthetic],
    deployments: deps,
    ports: {},
    range,
    version: 1,
  });
  assert.deepEqual(assignment.replicas, []);
});

test('ports stay with their replicas across re-plans; freed ports are reused', () => {
  const first = allocatePorts(['a', 'b', 'c'], {}, range);
  assert.deepEqual(first, { a: 17000, b: 17001, c: 17002 });
  const second = allocatePorts(['c', 'd'], first, range);
  assert.deepEqual(second, { c: 17002, d: 17000 });
  // A port outside a narrowed range is given a new one.
  assert.deepEqual(allocatePorts(['c'], second, { from: 17005, to: 17006 }), { c: 17005 });
  assert.throws(() => allocatePorts(['a', 'b', 'c'], {}, { from: 1, to: 2 }), ValidationError);
});

test('a re-plan that keeps a replica keeps its spec hash (no needless restart)', () => {
  const plan = oneBoxPlan(box, [synthetic], deps.slice(0, 1));
  const a = assignmentForNode({ node: box, plan, apps: [synthetic], deployments: deps, ports: {}, range, version: 1 });
  const plan2 = oneBoxPlan(box, [synthetic], deps);
  const b = assignmentForNode({
    node: box,
    plan: plan2,
    apps: [synthetic],
    deployments: deps,
    ports: a.ports,
    range,
    version: 2,
  });
  assert.deepEqual(
    b.assignment.replicas.map((r) => r.specHash),
    a.assignment.replicas.map((r) => r.specHash),
  );
});
