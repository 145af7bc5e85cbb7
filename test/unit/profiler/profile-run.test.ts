import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTasks, taskViews, type TaskOutcome } from '../../../src/profiler/profile-run.js';
import type { ProfilingSite } from '../../../src/domain/profiling/profile-dispatch.js';
import type { ProfileTask } from '../../../src/domain/profiling/profile-tasks.js';
import type { NodeInventory, StoredProfile } from '../../../src/domain/types.js';

const box = (id: string, model?: string): NodeInventory => ({
  id,
  cpus: 2,
  memoryMB: 4000,
  accelerators: model ? [{ id: 'emu0', model, memoryMB: 4096, emulated: true, cpus: 1 }] : [],
});
const task = (module: string, accelerator: string): ProfileTask => ({
  target: { app: 'a', module, accelerator, digest: 'd' },
  why: 'missing',
});
const stored = (t: ProfileTask, node: string, state: StoredProfile['state'] = 'ok'): StoredProfile => ({
  ...t.target,
  maxFps: 10,
  latencyMs: 5,
  cpuCores: 1,
  memoryMB: 30,
  state,
  measuredAt: 0,
  node,
  ...(state === 'failed' ? { reason: 'detect: never became healthy' } : {}),
});

function run(tasks: ProfileTask[], boxes: NodeInventory[], execute: (s: ProfilingSite, t: ProfileTask) => TaskOutcome) {
  const views = taskViews(tasks);
  const sites: string[] = [];
  const done = runTasks(tasks, views, {
    boxes: () => boxes,
    plan: () => undefined,
    signal: new AbortController().signal,
    execute: async (site, t) => {
      sites.push(`${t.target.module}@${site.node}`);
      return execute(site, t);
    },
  });
  return { views, sites, done };
}

test('each task runs on a box with its model; a failed measurement keeps its reason', async () => {
  const tasks = [task('detect', 'T4'), task('detect', 'A100'), task('decode', 'cpu')];
  const r = run(tasks, [box('b1', 'T4'), box('b2', 'A100')], (s, t) => ({
    profile: stored(t, s.node, t.target.accelerator === 'A100' ? 'failed' : 'ok'),
  }));
  await r.done;
  assert.deepEqual(r.sites.sort(), ['decode@b1', 'detect@b1', 'detect@b2']);
  assert.deepEqual(
    r.views.map((v) => [v.profile, v.state, v.node]),
    [
      ['a/detect/default@T4', 'done', 'b1'],
      ['a/detect/default@A100', 'failed', 'b2'],
      ['a/decode/default@cpu', 'done', 'b1'],
    ],
  );
  assert.equal(r.views[1]!.reason, 'detect: never became healthy');
});

test('a box lost midway hands its tasks to another box with the model', async () => {
  const tasks = [task('detect', 'T4'), task('track', 'T4')];
  const r = run(tasks, [box('b1', 'T4'), box('b2', 'T4')], (s, t) =>
    s.node === 'b1' ? { lost: 'box b1 was lost while profiling (declared dead)' } : { profile: stored(t, s.node) },
  );
  await r.done;
  assert.deepEqual(
    r.views.map((v) => [v.state, v.node, v.attempts]),
    [
      ['done', 'b2', 2],
      ['done', 'b2', 1],
    ],
  );
  assert.deepEqual(r.sites, ['detect@b1', 'track@b2', 'detect@b2']);
});

test('a box lost midway with no other box of the model: unavailable, naming the model and the loss', async () => {
  const tasks = [task('detect', 'A100'), task('track', 'A100')];
  const r = run(tasks, [box('b1', 'T4'), box('b2', 'A100')], () => ({
    lost: 'box b2 was lost while profiling (declared dead)',
  }));
  await r.done;
  assert.deepEqual(r.sites, ['detect@b2'], 'the second task is not sent to the lost box');
  for (const v of r.views) assert.equal(v.state, 'unavailable');
  assert.equal(
    r.views[0]!.reason,
    'no live box has accelerator model A100 (box b2 was lost while profiling (declared dead))',
  );
  assert.equal(r.views[1]!.reason, 'no live box has accelerator model A100');
});

test('a task whose box keeps being lost fails after its attempts; no result is not a profile', async () => {
  const tasks = [task('detect', 'T4'), task('decode', 'cpu')];
  let n = 0;
  const r = run(tasks, [box('b1', 'T4'), box('b2', 'T4'), box('b3', 'T4')], (s, t) =>
    t.target.module === 'decode'
      ? { failed: 'no result from box b1 within 60 s' }
      : { lost: `box ${s.node} lost (${++n})` },
  );
  await r.done;
  assert.deepEqual([r.views[0]!.state, r.views[0]!.attempts, r.views[0]!.reason], ['failed', 2, 'box b2 lost (2)']);
  assert.deepEqual([r.views[1]!.state, r.views[1]!.reason], ['failed', 'no result from box b1 within 60 s']);
});
