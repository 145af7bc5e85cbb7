/**
 * The node supervisor against the real engine with the real sample image:
 * it brings up an assignment, restarts a killed replica, adopts what a
 * previous supervisor started, shows a crash loop, removes what is not
 * assigned (and drifted specs), and cleans up old profiling replicas.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { DockerContainerEngine } from '../../src/adapters/docker-engine.js';
import { assignmentForNode } from '../../src/domain/assignment.js';
import { oneBoxPlan } from '../../src/domain/planning/one-box-plan.js';
import { parseManifest } from '../../src/domain/manifest.js';
import { buildReplicaSpec } from '../../src/domain/replica-spec.js';
import type { Assignment, NodeInventory, ObservedReplica, RegisteredApp } from '../../src/domain/types.js';
import { NodeSupervisor } from '../../src/supervisor/node-supervisor.js';
import { ensureImages, IMAGE_TAGS, SANDBOX_IMAGE } from '../support/images.js';
import { removeNodeDocker } from '../support/node-docker.js';
import { until } from '../support/until.js';

const RUN = `t-sup-${randomBytes(3).toString('hex')}`;
const FROM = 30000 + Math.floor(Math.random() * 20000);
const range = { from: FROM, to: FROM + 20 };
const engine = new DockerContainerEngine({ sandboxImage: SANDBOX_IMAGE }, null);
const logger = pino({ level: process.env.RIM_TEST_LOG ?? 'silent' });
/** Every node id a test used: each test has its own, so none sees another's containers or sandbox. */
const nodes: string[] = [];
let app: RegisteredApp;

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', timeout: 30_000 }).trim();

/** A box of its own for one test: its node id, assignments for it, supervisors on it, its cleanup. */
function box(t: TestContext, tag: string) {
  const node = `${RUN}-${tag}`;
  nodes.push(node);
  t.after(() => removeNodeDocker(node));
  const inventory: NodeInventory = {
    id: node,
    cpus: 2,
    memoryMB: 4096,
    accelerators: [{ id: 'emu0', model: 'fake-t4', memoryMB: 4096, emulated: true, cpus: 0.5 }],
  };
  const assignment = (a: RegisteredApp, version = 1): Assignment => {
    const plan = oneBoxPlan(inventory, [a], [{ name: 'cam-1', app: a.name, fps: 5, latencyMs: 500 }]);
    return assignmentForNode({
      node: inventory,
      plan,
      apps: [a],
      deployments: [{ name: 'cam-1', app: a.name }],
      ports: {},
      range,
      version,
    }).assignment;
  };
  const allRunning = (n: number) => async () => {
    const list = (await engine.listReplicas(node)).filter((r) => r.role === 'replica');
    return list.length === n && list.every((r) => r.status === 'running') ? list : undefined;
  };
  return { node, assignment, running: (a: Assignment) => running(node, a), allRunning };
}

/** How long a stop may take: the round in flight ends (a replica's stop grace is 5 s), then the loop returns. */
const STOP_MS = 30_000;

/** Runs a supervisor until the returned stop() is called; stop() fails, never hangs, past STOP_MS. */
function running(node: string, a: Assignment) {
  // A slow fallback poll, as the appliance runs it: a kill must be seen through engine events.
  const sup = new NodeSupervisor(engine, node, logger, undefined, { pollMs: 30_000 });
  sup.setAssignment(a);
  const ac = new AbortController();
  const done = sup.run(ac.signal);
  return {
    sup,
    stop: async () => {
      ac.abort();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the supervisor of ${node} did not stop in ${STOP_MS} ms`)), STOP_MS);
      });
      try {
        await Promise.race([done, late]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Until the supervisor's own first round has ensured the sandbox: its replica address is learnt. */
const sandboxLearnt = (sup: NodeSupervisor) => () =>
  sup.replicaHost() !== '127.0.0.1' ? sup.replicaHost() : undefined;

before(async () => {
  await ensureImages(['synthetic', 'base']);
  const info = await engine.inspectImage(IMAGE_TAGS.synthetic);
  app = {
    name: 'synthetic',
    image: IMAGE_TAGS.synthetic,
    digest: info.digest,
    manifest: parseManifest(info.manifestLabel!),
    registeredAt: 0,
  };
});
after(() => {
  for (const n of nodes) removeNodeDocker(n);
});

test('brings up an assignment, restarts a killed replica, a new supervisor adopts without duplicates', async (t) => {
  const { node, assignment, running, allRunning } = box(t, 'adopt');
  const target = assignment(app);
  assert.equal(target.replicas.length, 3);
  const first = running(target);
  let list: ObservedReplica[];
  try {
    list = await until('three running replicas', allRunning(3), 20_000);
    // Each replica serves the module contract on its assigned port.
    for (const r of target.replicas) {
      const h = await until(
        `healthz of ${r.name}`,
        async () => {
          const res = await fetch(`http://${first.sup.replicaHost()}:${r.port}/healthz`);
          return res.status === 200 ? ((await res.json()) as { module: string }) : undefined;
        },
        10_000,
      );
      assert.equal(h.module, r.module);
    }
    assert.ok(first.sup.replicas().every((r) => r.state === 'running'));

    // docker kill → running again (a correctness bound, not a speed benchmark).
    const victim = list.find((r) => r.module === 'detect')!;
    const killedAt = Date.now();
    docker('kill', victim.containerId);
    const back = await until(
      'the killed replica running again',
      async () => {
        const r = (await engine.listReplicas(node)).find((x) => x.name === victim.name);
        return r?.status === 'running' && r.startedAt! > victim.startedAt! ? r : undefined;
      },
      5000,
    );
    console.log(`# restart after docker kill: running again ${Date.now() - killedAt} ms after the kill`);
    assert.equal(back.containerId, victim.containerId);
    assert.equal(first.sup.replicas().find((r) => r.name === victim.name)!.restarts, 1);
  } finally {
    await first.stop();
  }

  // A new supervisor (an appliance restart) adopts what runs: same containers, no duplicates.
  const before = await engine.listReplicas(node);
  const second = running(assignment(app, 2));
  try {
    // Two whole rounds of the new supervisor (rather than a sleep): neither touches a container.
    assert.deepEqual((await second.sup.reconcileNow()).applied, [], 'the first round adopts, it creates nothing');
    assert.deepEqual((await second.sup.reconcileNow()).applied, []);
    const now = await engine.listReplicas(node);
    assert.deepEqual(
      now.map((r) => [r.containerId, r.status]),
      before.map((r) => [r.containerId, 'running']),
    );
  } finally {
    await second.stop();
  }
});

test('a sandbox that dies is created anew and every replica with it, answering at the new address', async (t) => {
  const { node, assignment, running, allRunning } = box(t, 'sandbox');
  const target = assignment(app, 3);
  const sup = running(target);
  try {
    // This supervisor's own first round (this node is this test's alone: nothing was there before it).
    const host = await until("the supervisor's sandbox address", sandboxLearnt(sup.sup), 30_000);
    const before = await until('three running replicas', allRunning(3), 30_000);
    const old = await engine.ensureSandbox(node);
    assert.equal(host, old.address);
    assert.equal(sup.sup.replicaHost(), old.address);
    assert.ok(
      before.every((r) => r.sandbox === old.containerId),
      'every replica joined the sandbox',
    );
    docker('kill', old.containerId);
    // Seen through the sandbox's own engine event (the poll is 30 s): a new sandbox, the replicas replaced.
    const after = await until(
      'the replicas running in a new sandbox',
      async () => {
        const list = await allRunning(3)();
        return list?.every((r) => r.sandbox && r.sandbox !== old.containerId) ? list : undefined;
      },
      30_000,
    );
    const now = await engine.ensureSandbox(node);
    assert.ok(after.every((r) => r.sandbox === now.containerId));
    assert.equal(docker('ps', '-aq', '--filter', `id=${old.containerId}`), '', 'the dead sandbox is removed');
    assert.equal(sup.sup.replicaHost(), now.address, 'the address is learnt again');
    for (const r of target.replicas)
      await until(`healthz of ${r.name} in the new sandbox`, async () => {
        const res = await fetch(`http://${sup.sup.replicaHost()}:${r.port}/healthz`).catch(() => undefined);
        return res?.status === 200 ? true : undefined;
      });
  } finally {
    await sup.stop();
  }
});

test('drift and unassigned replicas: a changed spec is replaced, a dropped or stray one removed', async (t) => {
  const { node, assignment, running, allRunning } = box(t, 'drift');
  const target = assignment(app);
  const sup = running(target);
  try {
    const list = await until('three running replicas', allRunning(3), 20_000);
    const stray = buildReplicaSpec({
      node: node,
      app,
      module: 'track',
      variant: 'default',
      accelerator: { kind: 'cpu', cpus: 0.2 },
      port: range.to,
    });
    const strayId = await engine.create({ ...stray, name: `${stray.name}-stray` });
    // Drift: detect's env changes; track is dropped from the assignment.
    const changed = {
      ...app,
      manifest: {
        ...app.manifest,
        modules: app.manifest.modules.map((m) => (m.name === 'detect' ? { ...m, env: { ...m.env, COST_MS: '7' } } : m)),
      },
    };
    const next = assignment(changed, 2);
    next.replicas = next.replicas.filter((r) => r.module !== 'track');
    sup.sup.setAssignment(next);
    const after = await until(
      'the new replica set',
      async () => {
        const l = await engine.listReplicas(node);
        return l.length === 2 &&
          l.every((r) => r.status === 'running') &&
          l.some(
            (r) => r.module === 'detect' && r.specHash === next.replicas.find((x) => x.module === 'detect')!.specHash,
          )
          ? l
          : undefined;
      },
      20_000,
    );
    const oldDetect = list.find((r) => r.module === 'detect')!;
    const newDetect = after.find((r) => r.module === 'detect')!;
    assert.notEqual(newDetect.containerId, oldDetect.containerId);
    assert.equal(
      after.find((r) => r.module === 'decode')!.containerId,
      list.find((r) => r.module === 'decode')!.containerId,
      'an unchanged replica is left alone',
    );
    assert.ok(!after.some((r) => r.containerId === strayId));
    assert.match(docker('inspect', '-f', '{{index .Config.Env}}', newDetect.containerId), /COST_MS=7/);
  } finally {
    await sup.stop();
  }
});

test('a replica that keeps exiting is restarted with backoff and shown as crash-looping', async (t) => {
  const { node, assignment, running } = box(t, 'crash');
  const crashing = {
    ...app,
    name: 'crashy',
    manifest: parseManifest({
      apiVersion: 'rim/v1',
      name: 'crashy',
      entry: 'boom',
      modules: [
        {
          name: 'boom',
          command: ['node', '/app/server.js'],
          env: { FAIL_MODE: 'exit-at-start' },
          accelerator: 'cpu',
          next: [],
        },
      ],
    }),
  };
  const sup = running(assignment(crashing));
  try {
    const status = await until(
      'crash-loop',
      async () => {
        const s = sup.sup.replicas()[0];
        return s?.state === 'crash-loop' ? s : undefined;
      },
      30_000,
    );
    assert.ok(status.restarts >= 5);
    assert.equal(status.lastExit?.code, 3);
    assert.ok(status.nextRestartAt! > status.lastExit!.at, 'backing off');
    const containers = await engine.listReplicas(node);
    assert.equal(containers.filter((r) => r.app === 'crashy').length, 1, 'restarts reuse the container');
  } finally {
    await sup.stop();
  }
});

test('profiling containers left by a previous process are removed at start; live ones are left alone', async (t) => {
  const { node, running } = box(t, 'orphans');
  const prof = buildReplicaSpec({
    node: node,
    app,
    module: 'decode',
    accelerator: { kind: 'cpu' },
    port: range.to - 1,
    role: 'profiling',
  });
  await engine.create(prof);
  const sup = running({ node, version: 1, replicas: [] });
  try {
    await until(
      'the orphan removed',
      async () => ((await engine.listReplicas(node)).some((r) => r.role === 'profiling') ? undefined : true),
      10_000,
    );
    // One created by this process's profiler survives even a later sweep.
    const live = await engine.create(prof);
    await sup.sup.reconcileNow();
    assert.equal(await sup.sup.removeOrphanedProfiling(), 0);
    assert.ok((await engine.listReplicas(node)).some((r) => r.containerId === live));
    await engine.remove(live);
  } finally {
    await sup.stop();
  }
});
