/**
 * The cluster's timings: defaults in one place, partial overrides, bad
 * values refused naming the field, and waits that end when the node stops.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { LowdbStore } from '../../../src/adapters/lowdb-store.js';
import { ClusterNode } from '../../../src/cluster/cluster-node.js';
import { clusterTimings, DEFAULT_CLUSTER_TIMINGS } from '../../../src/cluster/cluster-timings.js';
import type { PeerCaller } from '../../../src/cluster/peer-client.js';
import { UnavailableError, ValidationError } from '../../../src/domain/errors.js';
import { createLogger } from '../../../src/log.js';
import { sleep } from '../../../src/sleep.js';

test('timings default in one place; an override changes only the fields it names', () => {
  assert.deepEqual(clusterTimings(), DEFAULT_CLUSTER_TIMINGS);
  assert.equal(DEFAULT_CLUSTER_TIMINGS.leaderTickMs, 200);
  const t = clusterTimings({ bootstrapAfterMs: 600 });
  assert.equal(t.bootstrapAfterMs, 600);
  assert.deepEqual({ ...t, bootstrapAfterMs: DEFAULT_CLUSTER_TIMINGS.bootstrapAfterMs }, DEFAULT_CLUSTER_TIMINGS);
});

test('a timing that cannot work is refused, naming the field (and both fields of a bad pair)', () => {
  const refused = (o: Parameters<typeof clusterTimings>[0], field: string, message: RegExp) =>
    assert.throws(
      () => clusterTimings(o),
      (e: unknown) => e instanceof ValidationError && e.field === field && message.test(e.message),
    );
  refused({ updateRetryMs: -1 }, 'updateRetryMs', /updateRetryMs: must be a number >= 0/);
  refused({ leaderTickMs: 0 }, 'leaderTickMs', /leaderTickMs: must be > 0/);
  refused({ updateAttempts: 0 }, 'updateAttempts', /whole number >= 1/);
  const pair = /proposeCallTimeoutMs \(5000\) must exceed proposeTimeoutMs \(5000\)/;
  refused({ proposeCallTimeoutMs: 5000 }, 'proposeCallTimeoutMs', pair);
});

test('sleep resolves at once when its signal aborts, and never rejects', async () => {
  const ac = new AbortController();
  const t0 = Date.now();
  const waiting = sleep(60_000, ac.signal);
  setTimeout(() => ac.abort(), 20);
  await waiting;
  assert.ok(Date.now() - t0 < 1000, 'did not wait out the minute');
  await sleep(60_000, ac.signal); // already aborted: at once
  assert.ok(Date.now() - t0 < 1000);
});

test('update() on a node without a leader stops waiting when the node stops', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rim-timings-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = await LowdbStore.open(dir, { clusterName: 'test' });
  const quiet = new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });
  const client: PeerCaller = {
    call: async () => {
      throw new Error('unreachable');
    },
  };
  const node = new ClusterNode({
    nodeId: 'n1',
    clusterName: 'test',
    advertiseAddress: '127.0.0.1:1',
    store,
    client,
    inventory: async () => ({ id: 'n1', cpus: 1, memoryMB: 1024, accelerators: [] }),
    staticPeers: [],
    logger: createLogger({ level: 'fatal', destination: quiet }),
    now: Date.now,
    // Long waits: only the abort can end update() within the test's bound.
    timings: { updateRetryMs: 60_000, bootstrapAfterMs: 60_000, discoveryStatelessMs: 60_000, discoveryJitterMs: 0 },
  });
  const ac = new AbortController();
  node.start(ac.signal);
  const t0 = Date.now();
  const pending = node.update((doc) => {
    doc.clusterName = 'changed';
  });
  setTimeout(() => ac.abort(), 50);
  await assert.rejects(pending, (e: unknown) => e instanceof UnavailableError && /shutting down/.test(e.message));
  assert.ok(Date.now() - t0 < 2000, `update() ended ${Date.now() - t0} ms after it began`);
});
