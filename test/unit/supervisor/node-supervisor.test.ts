/**
 * The supervisor loop over a fake engine (the adapter interface, nothing
 * deeper): it touches nothing before its first assignment, reacts to engine
 * events at once, and rides out an engine that stops answering.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { ContainerEngine, ImageInfo, ReplicaStats } from '../../../src/adapters/container-engine.js';
import { DockerUnavailableError } from '../../../src/domain/errors.js';
import { buildReplicaSpec } from '../../../src/domain/replica-spec.js';
import type { ObservedReplica, ReplicaSpec } from '../../../src/domain/types.js';
import { NodeSupervisor } from '../../../src/supervisor/node-supervisor.js';
import { synthetic } from './fixtures.js';

class FakeEngine implements ContainerEngine {
  containers = new Map<string, ObservedReplica>();
  calls: string[] = [];
  down = false;
  private listeners: ((e: { containerId: string; action: string }) => void)[] = [];
  private seq = 0;
  private check() { if (this.down) throw new DockerUnavailableError('engine down'); }
  async ping() { this.check(); }
  async inspectImage(): Promise<ImageInfo> { throw new Error('unused'); }
  async listReplicas(node: string) { this.check(); return [...this.containers.values()].filter((c) => c.node === node).map((c) => ({ ...c })); }
  async create(s: ReplicaSpec) {
    this.check();
    const id = `c${++this.seq}`;
    this.calls.push(`create ${s.name}`);
    this.containers.set(id, { containerId: id, name: s.name, node: s.node, app: s.app, module: s.module, variant: s.variant, specHash: s.specHash, role: s.role, port: s.port, status: 'created' });
    return id;
  }
  async start(id: string) { this.check(); this.calls.push(`start ${id}`); Object.assign(this.containers.get(id)!, { status: 'running', startedAt: Date.now() }); }
  async stop(id: string) { this.check(); this.calls.push(`stop ${id}`); Object.assign(this.containers.get(id)!, { status: 'exited', exitCode: 0, finishedAt: Date.now() }); }
  async remove(id: string) { this.check(); this.calls.push(`remove ${id}`); this.containers.delete(id); }
  async stats(): Promise<ReplicaStats> { return { cpuCores: 0, memoryMB: 0 }; }
  async watch(_node: string, on: (e: { containerId: string; action: string }) => void, signal: AbortSignal) {
    this.listeners.push(on);
    await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
  }
  /** A replica dies (docker kill): Docker says so through its events. */
  kill(id: string) {
    Object.assign(this.containers.get(id)!, { status: 'exited', exitCode: 137, finishedAt: Date.now() });
    for (const l of this.listeners) l({ containerId: id, action: 'die' });
  }
}

const NODE = 'box-1';
const logger = pino({ level: 'silent' });
const spec = buildReplicaSpec({ node: NODE, app: synthetic, module: 'decode', accelerator: { kind: 'cpu' }, port: 17000 });

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
    assert.deepEqual(engine.calls, ['create rim-box-1-synthetic-decode-default-cpu', 'start c1', 'start c1']);
    assert.equal(sup.replicas()[0]!.restarts, 1);
  } finally {
    ac.abort();
    await loop;
  }
});

test('an engine that stops answering is retried; the loop keeps going and stops on abort', async () => {
  const engine = new FakeEngine();
  engine.down = true;
  const sup = new NodeSupervisor(engine, NODE, logger, undefined, { pollMs: 20, maxErrorBackoffMs: 40 });
  sup.setAssignment({ node: NODE, version: 1, replicas: [spec] });
  const ac = new AbortController();
  const loop = sup.run(ac.signal);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(engine.containers.size, 0);
  engine.down = false;
  await until(() => [...engine.containers.values()].find((x) => x.status === 'running'));
  ac.abort();
  await loop;
  assert.throws(() => sup.setAssignment({ node: 'other', version: 2, replicas: [] }), /node other/);
});
