/**
 * Three ClusterNodes on loopback (static peers, no mDNS): they form one
 * cluster, elect one leader, replicate a change made through a follower,
 * place a deployment, survive the leader's death with the change intact,
 * re-place the dead node's work, and keep out a node with the wrong token.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterDocument, RegisteredApp } from '../../../src/domain/types.js';
import { leaders, listen, startNode, type TestNode, until } from './harness.js';

const TOKEN = 'test-cluster-token-0123456789';
const nodes: TestNode[] = [];
after(async () => {
  for (const n of nodes) await n.stop().catch(() => undefined);
});

const app = (name: string): RegisteredApp => ({
  name,
  image: `rim/${name}:1`,
  digest: `sha256:${name}`,
  registeredAt: 1,
  manifest: {
    apiVersion: 'rim/v1',
    name,
    entry: 'm',
    modules: [{ name: 'm', image: 'self', accelerator: 'cpu', next: [] }],
  } as unknown as RegisteredApp['manifest'],
});

test('three nodes form one cluster, replicate, fail over and keep a stranger out', async () => {
  const slots = await Promise.all([listen(), listen(), listen(), listen()]);
  const addresses = slots.map((s) => `127.0.0.1:${s.port}`);
  for (const [i, id] of ['n1', 'n2', 'n3'].entries())
    nodes.push(await startNode(id, TOKEN, slots[i]!, addresses.slice(0, 3)));

  const leader = await until('one leader with three members', () => {
    const l = leaders(nodes);
    return (
      l.length === 1 &&
      l[0]!.node.newestDoc()?.members.length === 3 &&
      nodes.every((n) => n.store.read().members.length === 3) &&
      l[0]
    );
  });
  const terms = new Set(nodes.map((n) => n.node.driver.snapshot.term));
  assert.equal(terms.size, 1, "every node is in the leader's term");

  // A change made on a follower is forwarded to the leader and acknowledged after a majority stored it.
  const follower = nodes.find((n) => n !== leader)!;
  const acked = await follower.node.update((doc: ClusterDocument) => {
    doc.apps.push(app('alpha'), app('beta'), app('gamma'));
    doc.deployments.push(
      ...['alpha', 'beta', 'gamma'].map((a) => ({
        name: `${a}-cam`,
        app: a,
        fps: 5,
        latencyMs: 500,
        priority: 0,
        createdAt: 1,
      })),
    );
  });
  assert.equal(acked.deployments.length, 3);
  const onDisk = (n: TestNode) => {
    const raft = n.store.local().raft as {
      committed: { data: ClusterDocument } | null;
      pending: { data: ClusterDocument }[];
    };
    return (raft.pending.at(-1) ?? raft.committed)?.data.deployments.length === 3;
  };
  const stored = nodes.filter(onDisk).length;
  assert.ok(stored >= 2, `acknowledged only once a majority stored it (stored on ${stored})`);

  // The leader plans across the three boxes.
  const planned = await until('a plan placing all three deployments', () => {
    const p = leader.store.read().plan;
    return p && new Set(p.placements.map((x) => x.deployment)).size === 3 && p;
  });
  assert.equal(new Set(planned.placements.map((p) => p.node)).size, 3, 'deployments spread over the three nodes');
  await until('followers hold the plan', () => nodes.every((n) => n.store.read().plan?.placements.length === 3));

  // Kill the leader: a new one takes over the same state and re-places the dead node's deployment.
  await leader.stop();
  const survivors = nodes.filter((n) => n !== leader);
  const next = await until('a new leader', () => leaders(survivors)[0], 10000);
  assert.ok(next.node.driver.snapshot.term > leader.node.driver.snapshot.term);
  assert.equal(next.store.read().deployments.length, 3, 'the acknowledged change survived the leader');
  await until(
    'the old leader declared dead',
    () => next.node.newestDoc()?.members.find((m) => m.id === leader.id)?.state === 'dead',
  );
  const replanned = await until("the dead node's work placed on survivors", () => {
    const p = next.store.read().plan;
    return p && p.placements.length === 3 && p.placements.every((x) => x.node !== leader.id) && p;
  });
  const moved = planned.placements.filter((p) => p.node !== leader.id);
  for (const p of moved)
    assert.ok(
      replanned.placements.some((q) => q.deployment === p.deployment && q.node === p.node),
      `${p.deployment} stayed on ${p.node}`,
    );

  // A node with the wrong token is refused and never becomes a member.
  const stranger = await startNode('n4', 'not-the-cluster-token-xyz', slots[3]!, addresses.slice(0, 3));
  nodes.push(stranger);
  await until(
    'the refusal is logged',
    () => survivors.some((n) => n.logs.some((l) => l.includes('peer request refused'))),
    5000,
  );
  await new Promise((r) => setTimeout(r, 1500)); // absence is the point: more tries by n4 after its first refusal
  for (const n of survivors) assert.ok(!n.node.newestDoc()!.members.some((m) => m.id === 'n4'), 'n4 is not a member');
  assert.ok(
    !survivors.some((n) => n.node.discovery.knownPeers().some((p) => p.id === 'n4')),
    'n4 is not even a known peer',
  );

  // The operator retires the dead box: it stops voting, and the two survivors are the whole cluster.
  const after2 = await next.node.removeMember(leader.id);
  assert.deepEqual(after2.members.map((m) => m.id).sort(), survivors.map((n) => n.id).sort());
  await until('both survivors hold the two-member cluster', () =>
    survivors.every((n) => n.store.read().members.length === 2),
  );
  assert.deepEqual(next.node.driver.snapshot.committed?.voters, survivors.map((n) => n.id).sort());

  for (const n of nodes) for (const l of n.logs) assert.ok(!l.includes(TOKEN), 'the token never appears in the logs');
});
