/**
 * A box restarted on the same data volume with other hardware (an emulated
 * GPU added): the cluster's document takes its new inventory, and the plan
 * uses it (a GPU deployment is placed there instead of staying rejected).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterDocument, NodeInventory } from '../../../src/domain/types.js';
import { leaders, listen, startNode, type TestNode, until } from './harness.js';
import { oneModuleApp } from '../../support/one-module-app.js';

const TOKEN = 'inventory-refresh-token-0123456789';
const gpuApp = oneModuleApp('det', 'gpu');
const withGpu = (id: string): NodeInventory => ({
  id,
  cpus: 3,
  memoryMB: 8192,
  accelerators: [{ id: 'emu0', model: 'RTX 2080 Ti', memoryMB: 4096, emulated: true, cpus: 1 }],
});

test('a follower restarted with an emulated GPU on its data volume: the document and the plan follow', async () => {
  const slots = await Promise.all([listen(), listen(), listen()]);
  const addresses = slots.map((s) => `127.0.0.1:${s.port}`);
  const nodes: TestNode[] = [];
  for (const [i, id] of ['n1', 'n2', 'n3'].entries()) nodes.push(await startNode(id, TOKEN, slots[i]!, addresses));
  try {
    const leader = await until(
      'a leader with three members',
      () => {
        const l = leaders(nodes)[0];
        return l && l.node.newestDoc()?.members.length === 3 && l;
      },
      20000,
    );
    await leader.node.update((d: ClusterDocument) => {
      d.apps = [gpuApp];
      d.deployments = [{ name: 'cam', app: 'a', fps: 5, latencyMs: 500, priority: 0, createdAt: 0 }];
    });
    const plan0 = () => leader.node.newestDoc()?.plan;
    await until('cam rejected: no GPU yet', () => plan0()?.rejected.some((r) => r.deployment === 'cam'));
    const follower = nodes.find((n) => n !== leader)!;
    const i = nodes.indexOf(follower);
    await follower.stop({ keepData: true });
    const slot = await listen(slots[i]!.port);
    const restart = { dir: follower.dir, inventory: withGpu(follower.id) };
    nodes[i] = await startNode(follower.id, TOKEN, slot, addresses, restart);
    const doc = await until(
      "the new inventory in the leader's document",
      () => {
        const d = leader.node.newestDoc();
        return d?.members.find((m) => m.id === follower.id)?.inventory?.accelerators.length === 1 && d;
      },
      20000,
    );
    assert.deepEqual(doc.members.find((m) => m.id === follower.id)!.inventory, withGpu(follower.id));
    const plan = await until(
      'cam placed on the GPU',
      () => (leader.node.newestDoc()?.plan?.placements.length ? leader.node.newestDoc()!.plan! : undefined),
      10000,
    );
    assert.deepEqual(
      plan.placements.map((p) => `${p.node}/${p.accelerator}`),
      [`${follower.id}/emu0`],
    );
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
});
