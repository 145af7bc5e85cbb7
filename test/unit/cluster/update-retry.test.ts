/**
 * A change forwarded by a follower whose answer is lost (the leader stored
 * it, the call timed out) is retried; when the retry finds the thing it
 * removes already gone, the error says its own lost attempt may have removed
 * it, so an undeploy answers success (chaos finding, issue #14). A thing that
 * never existed is a plain 404.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PeerCaller } from '../../../src/cluster/peer-client.js';
import { GoneAfterUnclearAttemptError, NotFoundError } from '../../../src/domain/errors.js';
import type { ClusterDocument } from '../../../src/domain/types.js';
import { leaders, listen, startNode, type TestNode, until } from './harness.js';

const TOKEN = 'test-cluster-token-0123456789';
const nodes: TestNode[] = [];
/** update() keeps trying for ~6 s without a leader (default ~1.8 s): an election under load must not end it. */
const OUTLAST_ELECTIONS = { updateAttempts: 20 };
after(async () => {
  for (const n of nodes) await n.stop().catch(() => undefined);
});

const removeCam = (name: string) => (doc: ClusterDocument) => {
  if (!doc.deployments.some((d) => d.name === name)) throw new NotFoundError(`deployment "${name}" does not exist`);
  doc.deployments = doc.deployments.filter((d) => d.name !== name);
};

test('a removal retried after a lost answer finds it gone by its own attempt; else 404', async () => {
  const slots = await Promise.all([listen(), listen(), listen()]);
  const addresses = slots.map((s) => `127.0.0.1:${s.port}`);
  // Only the chosen follower's proposals lose their answer (another node's member update must not take it),
  // and only an answer saying the leader stored the change: a 409 (the follower's copy was behind the
  // leader's, e.g. by the plan the leader made for "cam") stored nothing, and losing it proves nothing.
  let losing = 0;
  let losingFor = -1;
  const lossy =
    (node: number) =>
    (real: PeerCaller): PeerCaller => ({
      call: async <T>(address: string, method: 'GET' | 'POST', path: string, body?: unknown, timeout?: number) => {
        const answer = await real.call<T>(address, method, path, body, timeout);
        if (path === '/v1/peer/propose' && node === losingFor && losing > 0 && answer.status === 200) {
          losing--;
          throw new Error('timed out'); // applied by the leader, answer lost
        }
        return answer;
      },
    });
  for (const [i, id] of ['u1', 'u2', 'u3'].entries())
    nodes.push(
      await startNode(`${id}-${process.pid}`, TOKEN, slots[i]!, addresses, {
        client: lossy(i),
        timings: OUTLAST_ELECTIONS,
      }),
    );
  const leader = await until('one leader with three members', () => {
    const l = leaders(nodes);
    return l.length === 1 && nodes.every((n) => n.store.read().members.length === 3) && l[0];
  });
  const follower = nodes.find((n) => n !== leader)!;
  await follower.node.update((doc) => {
    doc.deployments.push({ name: 'cam', app: 'a', fps: 5, latencyMs: 500, priority: 0, createdAt: 1 });
  });

  losingFor = nodes.indexOf(follower);
  losing = 1;
  await assert.rejects(follower.node.update(removeCam('cam')), (e) => e instanceof GoneAfterUnclearAttemptError);
  assert.equal(losing, 0, 'the first answer was lost');
  assert.deepEqual(leader.node.newestDoc()?.deployments, [], 'the first attempt removed it');

  await assert.rejects(
    follower.node.update(removeCam('never')),
    (e) => e instanceof NotFoundError && !(e instanceof GoneAfterUnclearAttemptError),
  );
});
