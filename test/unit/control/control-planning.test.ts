/**
 * The control and planning: a cluster member never computes a plan (it
 * forwards its change and waits for the leader's), and a change that was
 * stored is never answered as failed because planning failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { NodeLocalState, Store } from '../../../src/adapters/store.js';
import { Control } from '../../../src/control/control.js';
import { GoneAfterUnclearAttemptError, NotFoundError } from '../../../src/domain/errors.js';
import { memberPlanner, oneBoxPlanner } from '../../../src/domain/planning/control-planners.js';
import type { ClusterPlanner, Planner } from '../../../src/domain/planning/planner.js';
import type { Assignment, ClusterDocument, NodeInventory, Plan } from '../../../src/domain/types.js';
import { EventBus } from '../../../src/events/event-bus.js';
import { createLogger } from '../../../src/log.js';
import { oneModuleApp } from '../../support/one-module-app.js';

const RANGE = { from: 17000, to: 17009 };
const node: NodeInventory = { id: 'n1', cpus: 4, memoryMB: 8192, accelerators: [] };
const app = oneModuleApp('m', 'cpu');

/** An in-memory store; `updates` counts the changes written through it (what a member forwards). */
class MemoryStore implements Store {
  doc: ClusterDocument = { version: 1, clusterName: 't', apps: [app], deployments: [], profiles: [], members: [] };
  localState: NodeLocalState = { nodeId: 'n1', createdAt: 0 };
  updates: ClusterDocument[] = [];
  read(): ClusterDocument {
    return structuredClone(this.doc);
  }
  async update(fn: (doc: ClusterDocument) => ClusterDocument | void): Promise<ClusterDocument> {
    const copy = structuredClone(this.doc);
    const out = fn(copy) ?? copy;
    this.doc = { ...out, version: this.doc.version + 1 };
    this.updates.push(structuredClone(this.doc));
    return this.read();
  }
  async replace(doc: ClusterDocument): Promise<void> {
    this.doc = doc;
  }
  async writeProblem(): Promise<string | undefined> {
    return undefined;
  }
  local(): NodeLocalState {
    return this.localState;
  }
  async updateLocal(fn: (l: NodeLocalState) => NodeLocalState | void): Promise<NodeLocalState> {
    this.localState = fn(this.localState) ?? this.localState;
    return this.localState;
  }
}

function control(store: Store, planner: Planner, logs: string[] = []) {
  const assignments: Assignment[] = [];
  const logger = createLogger({
    destination: new Writable({
      write(c, _e, cb) {
        logs.push(String(c));
        cb();
      },
    }),
  });
  const c = new Control({
    store,
    planner,
    logger,
    now: () => 0,
    events: new EventBus(() => 0),
    engine: {
      inspectImage: async () => {
        throw new Error('unused');
      },
    },
    inventory: { get: async () => node },
    supervisor: { setAssignment: (a) => assignments.push(a) },
    leaderPlanWait: { timeoutMs: 2000, pollMs: 10 },
  });
  return { c, assignments };
}

const placed = (doc: ClusterDocument): Plan => ({
  strategy: 'leader',
  rejected: [],
  latencyMs: {},
  utilisation: {},
  solveMs: 0,
  placements: doc.deployments.map((d) => ({
    deployment: d.name,
    module: 'm',
    node: 'n1',
    accelerator: 'cpu',
    fps: d.fps,
  })),
});

test("a cluster member forwards its change without a plan and answers once the leader's plan covers it", async () => {
  const store = new MemoryStore();
  const { c, assignments } = control(store, memberPlanner(RANGE));
  // The leader plans in its own loop, a little later.
  const leader = setTimeout(() => {
    store.doc = { ...store.doc, plan: placed(store.doc), version: 9 };
  }, 100);
  const out = await c.addDeployment({ name: 'cam', app: 'a', fps: 5, latencyMs: 500 });
  clearTimeout(leader);
  assert.equal(out.created, true);
  assert.equal(store.updates.length, 1, 'one forwarded change');
  assert.equal(store.updates[0]!.plan, undefined, 'the member computed no plan');
  const planned = store.read().plan?.placements.map((p) => p.deployment);
  assert.deepEqual(planned, ['cam'], 'answered after the leader planned');
  assert.equal(assignments.at(-1)?.replicas.length, 1, "its share of the leader's plan");
});

test('a member whose leader does not plan in time still answers the stored change', async () => {
  const store = new MemoryStore();
  const { c } = control(store, memberPlanner(RANGE));
  const started = Date.now();
  const out = await c.addDeployment({ name: 'cam', app: 'a', fps: 5, latencyMs: 500 });
  assert.equal(out.created, true);
  assert.ok(Date.now() - started >= 1900, 'it waited for the leader');
  assert.equal(store.read().plan, undefined);
});

test('a box on its own plans the change itself', async () => {
  const store = new MemoryStore();
  const plan: ClusterPlanner = (doc) => placed(doc);
  const { c, assignments } = control(store, oneBoxPlanner(plan, RANGE));
  await c.addDeployment({ name: 'cam', app: 'a', fps: 5, latencyMs: 500 });
  assert.deepEqual(
    store.read().plan?.placements.map((p) => p.deployment),
    ['cam'],
  );
  assert.equal(assignments.at(-1)?.replicas.length, 1);
});

test('a stored change is answered as done even when planning throws; the error is logged', async () => {
  const store = new MemoryStore();
  const logs: string[] = [];
  const broken: ClusterPlanner = () => {
    throw new TypeError("Cannot read properties of undefined (reading 'maxFps')");
  };
  const { c } = control(store, oneBoxPlanner(broken, RANGE), logs);
  const out = await c.addDeployment({ name: 'cam', app: 'a', fps: 5, latencyMs: 500 });
  assert.equal(out.created, true);
  assert.deepEqual(
    store.read().deployments.map((d) => d.name),
    ['cam'],
  );
  const removed = await c.removeDeployment('cam');
  assert.equal(removed.name, 'cam');
  assert.ok(logs.some((l) => /planning after a stored change failed/.test(l) && /maxFps/.test(l)));
});

test('an undeploy that its own lost attempt applied succeeds; one that never existed is 404', async () => {
  /** ClusterNode.update's retry: the first attempt applied, its answer was lost, the retry finds none. */
  class LostAnswerStore extends MemoryStore {
    override async update(fn: (doc: ClusterDocument) => ClusterDocument | void): Promise<ClusterDocument> {
      await super.update(fn);
      try {
        fn(this.read());
      } catch (e) {
        if (e instanceof NotFoundError) throw new GoneAfterUnclearAttemptError(e.message);
        throw e;
      }
      return this.read();
    }
  }
  const store = new LostAnswerStore();
  store.doc.deployments = [{ name: 'cam', app: 'a', fps: 5, latencyMs: 500, priority: 0, createdAt: 1 }];
  const { c } = control(store, memberPlanner(RANGE));
  const removed = await c.removeDeployment('cam');
  assert.equal(removed.name, 'cam');
  assert.deepEqual(store.read().deployments, []);
  await assert.rejects(c.removeDeployment('never'), (e) => e instanceof NotFoundError && e.status === 404);
});
