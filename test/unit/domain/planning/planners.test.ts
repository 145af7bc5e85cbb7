/** The control's planners and the plan keys: what a node plans over, its share of the plan, when to re-plan. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memberPlanner, oneBoxPlanner } from '../../../../src/domain/planning/control-planners.js';
import { nodeAssignment } from '../../../../src/domain/planning/node-assignment.js';
import { planCovers, planInputKey, planKey } from '../../../../src/domain/planning/plan-keys.js';
import type { ClusterPlanner } from '../../../../src/domain/planning/planner.js';
import type { ClusterDocument, Member, NodeInventory, Plan } from '../../../../src/domain/types.js';
import { oneModuleApp } from '../../../support/one-module-app.js';

const node = (id: string): NodeInventory => ({ id, cpus: 4, memoryMB: 8192, accelerators: [] });
const member = (id: string, state: Member['state'], inventory = true): Member => ({
  id,
  address: `${id}:7878`,
  joinedAt: 0,
  lastSeen: 0,
  state,
  ...(inventory ? { inventory: node(id) } : {}),
});
const app = oneModuleApp('m', 'cpu');
const doc = (members: Member[] = [], plan?: Plan): ClusterDocument => ({
  version: 3,
  clusterName: 't',
  apps: [app],
  profiles: [],
  members,
  ...(plan ? { plan } : {}),
  deployments: [{ name: 'cam', app: 'a', fps: 5, latencyMs: 500, priority: 0, createdAt: 0 }],
});
const planOn = (id: string): Plan => ({
  strategy: 'test',
  placements: [{ deployment: 'cam', module: 'm', node: id, accelerator: 'cpu', fps: 5 }],
  rejected: [],
  latencyMs: {},
  utilisation: {},
  solveMs: 0,
});
const RANGE = { from: 17000, to: 17009 };

test('one box plans over itself with the last plan; a cluster member never plans (the leader does)', () => {
  const seen: { nodes: string[]; previous?: Plan }[] = [];
  const fake: ClusterPlanner = (_d, nodes, previous) => {
    seen.push({ nodes: nodes.map((n) => n.id), previous });
    return planOn(nodes[0]!.id);
  };
  const last = planOn('n1');
  const d = doc([member('n1', 'alive'), member('n2', 'alive')], last);
  oneBoxPlanner(fake, RANGE).plan!(node('n1'), d);
  assert.equal(memberPlanner(RANGE).plan, undefined, 'one planner at a time: only the leader computes plans');
  assert.deepEqual(seen, [{ nodes: ['n1'], previous: last }]);
});

test('a plan covers the document when it places or rejects every deployment and names no gone one', () => {
  assert.equal(planCovers({ ...doc(), deployments: [] }), true);
  assert.equal(planCovers(doc()), false, 'no plan yet');
  assert.equal(planCovers(doc([], planOn('n1'))), true);
  const rejected = { ...planOn('n1'), placements: [], rejected: [{ deployment: 'cam', reason: 'no GPU' }] };
  assert.equal(planCovers(doc([], rejected)), true);
  const gone = { ...doc([], planOn('n1')), deployments: [] };
  assert.equal(planCovers(gone), false, 'the plan still names a removed deployment');
  const added = doc([], planOn('n1'));
  added.deployments.push({ ...added.deployments[0]!, name: 'cam-2' });
  assert.equal(planCovers(added), false, 'the plan has not seen the new deployment');
});

test("a node's share of the plan: its replicas with ports kept, none before the first plan", () => {
  const none = nodeAssignment(node('n1'), doc(), {}, RANGE);
  assert.deepEqual(none.assignment.replicas, []);
  assert.equal(none.assignment.version, 3);
  const first = nodeAssignment(node('n1'), doc([], planOn('n1')), {}, RANGE);
  assert.equal(first.assignment.replicas.length, 1);
  const name = first.assignment.replicas[0]!.name;
  assert.deepEqual(first.ports, { [name]: 17000 });
  const kept = nodeAssignment(node('n1'), doc([], planOn('n1')), { [name]: 17005 }, RANGE);
  assert.equal(kept.assignment.replicas[0]!.port, 17005);
  assert.deepEqual(nodeAssignment(node('n2'), doc([], planOn('n1')), {}, RANGE).assignment.replicas, []);
  assert.deepEqual(oneBoxPlanner(() => planOn('n1'), RANGE).assignment(node('n1'), doc([], planOn('n1')), {}), first);
});

test('plan keys ignore solve time and see every input that changes a plan', () => {
  assert.equal(planKey(undefined), '');
  assert.equal(planKey({ ...planOn('n1'), solveMs: 5 }), planKey({ ...planOn('n1'), solveMs: 9 }));
  assert.notEqual(planKey(planOn('n1')), planKey(planOn('n2')));
  const base = planInputKey(doc(), [node('n1')]);
  const withMember = doc([member('n9', 'alive')]);
  assert.equal(planInputKey(withMember, [node('n1')]), base, 'members count only as the nodes passed');
  assert.notEqual(planInputKey(doc(), [node('n1'), node('n2')]), base);
  const faster = doc();
  faster.deployments[0]!.fps = 6;
  assert.notEqual(planInputKey(faster, [node('n1')]), base);
  const measured = doc([{ ...member('n9', 'alive'), link: { bandwidthMbps: 900, rttMs: 0.3, by: 'n1', at: 0 } }]);
  assert.notEqual(planInputKey(measured, [node('n1')]), base, 'a link measured at join is an input');
});
