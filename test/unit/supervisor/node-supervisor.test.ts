/**
 * The supervisor loop over a fake engine (the adapter interface, nothing
 * deeper): it touches nothing before its first assignment, reacts to engine
 * events at once, and rides out an engine that stops answering.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { buildReplicaSpec } from '../../../src/domain/replica-spec.js';
import { NodeSupervisor } from '../../../src/supervisor/node-supervisor.js';
import { FakeEngine } from '../../support/fake-engine.js';
import { synthetic } from '../domain/supervisor/fixtures.js';

const NODE = 'box-1';
const logger = pino({ level: 'silent' });
const spec = buildReplicaSpec({
  node: NODE,
  app: synthetic,
  module: 'decode',
  accelerator: { kind: 'cpu' },
  port: 17000,
});

async function until<T>(fn: () => T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('before its first assignment the supervisor touches no replica', async () => {
  const engine = new FakeEngine();
  const id = await engine.create(spec);
  await engine.start(id);
  engine.calls = [];
  const sup = new NodeSupervisor(engine, NODE, logger);
  const r = await sup.reconcileNow();
  assert.deepEqual(r.applied, []);
  assert.deepEqual(engine.calls, []);
  assert.deepEqual(sup.replicas(), []);
});

test('a die event wakes the loop long before its poll: the replica is restarted after its 100 ms backoff', async () => {
  const engine = new FakeEngine();
  const sup = new NodeSupervisor(engine, NODE, logger, undefined, { pollMs: 60_000 });
  sup.setAssignment({ node: NODE, version: 1, replicas: [spec] });
  const ac = new AbortController();
  const loop = sup.run(ac.signal);
  try {
    const c = await until(() => [...engine.containers.values()].find((x) => x.status === 'running'));
    engine.kill(c.containerId);
    await until(() => engine.containers.get(c.containerId)!.status === 'running' || undefined, 3000);
    const id = c.containerId;
    assert.deepEqual(engine.calls, ['create rim-box-1-synthetic-decode-default-cpu', `start ${id}`, `start ${id}`]);
    assert.equal(sup.replicas()[0]!.restarts, 1);
    assert.equal(sup.restartsTotal(), 1, 'the counter behind rim_replica_restarts_total');
  } finally {
    ac.abort();
    await loop;
  }
});

test('an engine that stops answering is retried; the loop keeps going and stops on abort', async () => {
  const engine = new FakeEngine();
  engine.reachable = false;
  const sup = new NodeSupervisor(engine, NODE, logger, undefined, { pollMs: 20, maxErrorBackoffMs: 40 });
  sup.setAssignment({ node: NODE, version: 1, replicas: [spec] });
  // Count the rounds that found the engine unreachable: the proof that the loop retries, not a fixed sleep.
  let refused = 0;
  const list = engine.listReplicas.bind(engine);
  engine.listReplicas = async (node) => {
    if (!engine.reachable) refused++;
    return list(node);
  };
  const ac = new AbortController();
  const loop = sup.run(ac.signal);
  await until(() => refused >= 3 || undefined);
  assert.equal(engine.containers.size, 0);
  engine.reachable = true;
  await until(() => [...engine.containers.values()].find((x) => x.status === 'running'));
  ac.abort();
  await loop;
  assert.throws(() => sup.setAssignment({ node: 'other', version: 2, replicas: [] }), /node other/);
});

test('the sandbox comes first; one created anew replaces the old one’s replicas', async () => {
  const engine = new FakeEngine();
  const sup = new NodeSupervisor(engine, NODE, logger, undefined, { pollMs: 60_000 });
  assert.equal(sup.replicaHost(), '127.0.0.1', 'nothing learnt yet');
  sup.setAssignment({ node: NODE, version: 1, replicas: [spec] });
  await sup.reconcileNow();
  await sup.reconcileNow();
  const first = engine.sandboxes.get(NODE)!;
  const [c] = [...engine.containers.values()];
  assert.equal(c!.sandbox, first.containerId, 'the replica joined the sandbox ensured first');
  assert.equal(c!.status, 'running');
  engine.sandboxes.set(NODE, { containerId: 'sandbox-anew'.padEnd(64, '0'), address: '10.1.2.3' });
  const r = await sup.reconcileNow();
  assert.deepEqual(
    r.applied.map((s) => s.kind),
    ['stop', 'remove'],
    'the replica of the old sandbox is replaced',
  );
  assert.equal(sup.replicaHost(), '10.1.2.3', "the replicas' address is the sandbox's, learnt");
  await sup.reconcileNow();
  await sup.reconcileNow();
  const [again] = [...engine.containers.values()];
  assert.equal(again!.sandbox, 'sandbox-anew'.padEnd(64, '0'));
  assert.equal(again!.status, 'running');
});

test('a node with nothing assigned gets no sandbox', async () => {
  const engine = new FakeEngine();
  const sup = new NodeSupervisor(engine, NODE, logger);
  sup.setAssignment({ node: NODE, version: 1, replicas: [] });
  await sup.reconcileNow();
  assert.equal(engine.sandboxes.size, 0);
});
