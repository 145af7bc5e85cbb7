/**
 * A follower whose copy of the document is behind the leader's (it has not
 * stored the last commits yet) decides a removal on the leader's document, not
 * on its own: a deployment the cluster acknowledged a moment ago is removed
 * through any box at once, and one that never existed is a plain 404 there.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../../src/adapters/store.js';
import { GoneAfterUnclearAttemptError, NotFoundError } from '../../../src/domain/errors.js';
import type { ClusterDocument } from '../../../src/domain/types.js';
import { leaders, listen, startNode, type TestNode, until } from './harness.js';

const TOKEN = 'follower-undeploy-token-0123456789';
const nodes: TestNode[] = [];
/** update() keeps trying for ~6 s without a leader (default ~1.8 s): an election under load must not end it. */
const OUTLAST_ELECTIONS = { updateAttempts: 20 };
after(async () => {
  for (const n of nodes) await n.stop().catch(() => undefined);
});

const removeDeployment = (name: string) => (doc: ClusterDocument) => {
  if (!doc.deployments.some((d) => d.name === name)) throw new NotFoundError(`deployment "${name}" does not exist`);
  doc.deployments = doc.deployments.filter((d) => d.name !== name);
};

/** A store whose committed documents are held back while `held` (the node's copy falls behind); then stored. */
function holdBack(real: Store) {
  let pending: ClusterDocument | undefined;
  const gate = {
    held: false,
    async release() {
      gate.held = false;
      if (pending) await real.replace(pending);
      pending = undefined;
    },
  };
  const store: Store = {
    read: () => real.read(),
    update: (fn) => real.update(fn),
    replace: (doc) => {
      if (!gate.held) return real.replace(doc);
      pending = doc;
      return Promise.resolve();
    },
    local: () => real.local(),
    updateLocal: (fn) => real.updateLocal(fn),
    writeProblem: () => real.writeProblem(),
  };
  return { gate, store };
}

test("a follower behind the leader removes what the cluster acknowledged; else 404 on the leader's word", async () => {
  const slots = await Promise.all([listen(), listen(), listen()]);
  const addresses = slots.map((s) => `127.0.0.1:${s.port}`);
  const gates: ReturnType<typeof holdBack>['gate'][] = [];
  for (const [i, id] of ['f1', 'f2', 'f3'].entries()) {
    const store = (real: Store) => {
      const h = holdBack(real);
      gates[i] = h.gate;
      return h.store;
    };
    nodes.push(
      await startNode(`${id}-${process.pid}`, TOKEN, slots[i]!, addresses, { store, timings: OUTLAST_ELECTIONS }),
    );
  }
  const leader = await until('one leader with three members', () => {
    const l = leaders(nodes);
    return l.length === 1 && nodes.every((n) => n.store.read().members.length === 3) && l[0];
  });
  const behind = nodes.find((n) => n !== leader)!;
  const gate = gates[nodes.indexOf(behind)]!;
  try {
    gate.held = true;
    await leader.node.update((doc) => {
      doc.deployments.push({ name: 'cam', app: 'a', fps: 5, latencyMs: 500, priority: 0, createdAt: 1 });
    });
    assert.deepEqual(behind.store.read().deployments, [], "the follower's own copy is behind: it has no cam");

    await behind.node.update(removeDeployment('cam'));
    assert.deepEqual(leader.node.newestDoc()?.deployments, [], 'removed through the follower that was behind');

    await assert.rejects(
      behind.node.update(removeDeployment('never')),
      (e) => e instanceof NotFoundError && !(e instanceof GoneAfterUnclearAttemptError),
    );
  } finally {
    await gate.release();
  }
});
