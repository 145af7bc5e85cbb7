/**
 * Two boxes that could not see each other at start each found a cluster of
 * one; once they meet, the one with the larger id (holding nothing yet)
 * gives its state up and joins the other. A box that holds data never does.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CLUSTER_TIMINGS } from '../../../src/cluster/cluster-timings.js';
import { leaders, listen, startNode, type TestNode, until } from './harness.js';

const TOKEN = 'merge-test-cluster-token-0123';
const nodes: TestNode[] = [];
after(async () => {
  for (const n of nodes) await n.stop().catch(() => undefined);
});

test('two lone empty clusters merge into one; a lone cluster with data does not give it up', async () => {
  const [s1, s2, s3] = await Promise.all([listen(), listen(), listen()]);
  const m1 = await startNode('m1', TOKEN, s1!, []);
  const m2 = await startNode('m2', TOKEN, s2!, []);
  nodes.push(m1, m2);
  await until('each to lead its own cluster', () => m1.node.isLeader && m2.node.isLeader);
  m1.node.addCandidate(m2.address);
  m2.node.addCandidate(m1.address);
  await until(
    'one cluster of two',
    () => leaders([m1, m2]).length === 1 && [m1, m2].every((n) => n.store.read().members.length === 2),
    20_000,
  );
  assert.equal(leaders([m1, m2])[0], m1, 'the smaller id keeps its cluster');
  assert.ok(m2.logs.some((l) => l.includes('another cluster found')));

  // m0 founds alone and takes a deployment: it has something to lose, so it never yields.
  const m0 = await startNode('m0-with-data', TOKEN, s3!, []);
  nodes.push(m0);
  await until('m0 to lead', () => m0.node.isLeader);
  await m0.node.update((doc) => {
    doc.deployments.push({ name: 'kept', app: 'x', fps: 1, latencyMs: 100, priority: 0, createdAt: 0 });
  });
  m0.node.addCandidate(m1.address);
  // m0 has heard the bigger cluster (what makes an empty box yield)...
  await until('m0 to hear the cluster of m1 and m2', () =>
    m0.node.discovery.knownPeers().some((p) => p.id === m1.id && p.hello.initialized && p.hello.members === 2),
  );
  // ...then absence is the point: addCandidate's hello is out of band, the check to yield runs in the discovery
  // loop's next round (every discoveryIntervalMs once in a cluster); one such period and a margin, m0 still leads.
  await new Promise((r) => setTimeout(r, DEFAULT_CLUSTER_TIMINGS.discoveryIntervalMs + 500));
  assert.ok(!m0.logs.some((l) => l.includes('another cluster found')), 'm0 never considered leaving');
  assert.ok(m0.node.isLeader);
  assert.deepEqual(
    m0.store.read().deployments.map((d) => d.name),
    ['kept'],
  );
});
