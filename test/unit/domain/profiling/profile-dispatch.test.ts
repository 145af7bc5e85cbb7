import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseSite, clusterModels, freeAcceleratorOf } from '../../../../src/domain/profiling/profile-dispatch.js';
import { measuredFrameKB, withMeasuredFrameSizes } from '../../../../src/domain/profiling/frame-size.js';
import { dueReason } from '../../../../src/domain/profiling/profile-tasks.js';
import { parseManifest } from '../../../../src/domain/manifest.js';
import type { NodeInventory, Plan, StoredProfile } from '../../../../src/domain/types.js';

const box = (id: string, ...models: string[]): NodeInventory => ({
  id,
  cpus: 4,
  memoryMB: 8000,
  accelerators: models.map((model, i) => ({ id: `emu${i}`, model, memoryMB: 4096, emulated: true, cpus: 1 })),
});
const plan = (...on: Array<[string, string]>): Plan => ({
  strategy: 'rim',
  rejected: [],
  latencyMs: {},
  utilisation: {},
  solveMs: 0,
  placements: on.map(([node, accelerator]) => ({ deployment: 'd', module: 'detect', node, accelerator, fps: 5 })),
});
const boxes = [box('b1', 'T4'), box('b2', 'A100'), box('b3', 'T4', 'T4')];

test('the models to profile are those of the live boxes, distinct and sorted', () => {
  assert.deepEqual(clusterModels(boxes), ['A100', 'T4']);
  assert.deepEqual(clusterModels([box('b1')]), []);
});

test('a task goes to a box with the model, on an accelerator that holds no replica when there is one', () => {
  assert.deepEqual(chooseSite('A100', boxes, undefined), { node: 'b2', acceleratorId: 'emu0', shared: false });
  assert.deepEqual(chooseSite('T4', boxes, plan(['b1', 'emu0'])), { node: 'b3', acceleratorId: 'emu0', shared: false });
  assert.deepEqual(chooseSite('T4', boxes, plan(['b1', 'emu0'], ['b3', 'emu0'])), {
    node: 'b3',
    acceleratorId: 'emu1',
    shared: false,
  });
});

test('when every accelerator of the model holds replicas the measurement is made beside them, marked shared', () => {
  const busy = plan(['b2', 'emu0']);
  assert.deepEqual(chooseSite('A100', boxes, busy), { node: 'b2', acceleratorId: 'emu0', shared: true });
  assert.equal(freeAcceleratorOf('A100', boxes, busy), false);
  assert.equal(freeAcceleratorOf('A100', boxes, undefined), true);
});

test('tasks spread over the boxes that have the model by what each was already given', () => {
  const load = new Map([['b1', 1]]);
  assert.equal((chooseSite('T4', boxes, undefined, load) as { node: string }).node, 'b3');
  assert.deepEqual(
    chooseSite(
      'cpu',
      boxes,
      undefined,
      new Map([
        ['b1', 2],
        ['b2', 1],
      ]),
    ),
    { node: 'b3', shared: false },
  );
  assert.deepEqual(chooseSite('cpu', boxes, undefined), { node: 'b1', shared: false });
});

test('a model no live box has is unavailable, with the model named', () => {
  assert.deepEqual(chooseSite('H200', boxes, undefined), { unavailable: 'no live box has accelerator model H200' });
  assert.deepEqual(
    chooseSite('A100', boxes, undefined, new Map(), new Set(['b2'])),
    { unavailable: 'no live box has accelerator model A100' },
    'a lost box does not count',
  );
  assert.deepEqual(chooseSite('cpu', [], undefined), { unavailable: 'no live box to profile on' });
});

const profile = (p: Partial<StoredProfile>): StoredProfile => ({
  app: 'synth',
  module: 'decode',
  accelerator: 'cpu',
  digest: 'sha256:a',
  maxFps: 10,
  latencyMs: 5,
  cpuCores: 1,
  memoryMB: 40,
  state: 'ok',
  measuredAt: 1,
  ...p,
});

test('a shared measurement is due again once an accelerator of its model is free', () => {
  const t = { app: 'synth', module: 'detect', accelerator: 'T4', digest: 'sha256:a' };
  const shared = profile({ module: 'detect', accelerator: 'T4', shared: true });
  assert.equal(dueReason(t, shared, { now: 2 }), undefined);
  assert.equal(dueReason(t, shared, { now: 2, freeModels: ['A100'] }), undefined);
  assert.equal(dueReason(t, shared, { now: 2, freeModels: ['T4'] }), 'shared');
  assert.equal(dueReason(t, { ...shared, shared: undefined }, { now: 2, freeModels: ['T4'] }), undefined);
});

test('placement prices an edge by the measured frame size when there is one, else the declared one', () => {
  const manifest = parseManifest({
    apiVersion: 'rim/v1',
    name: 'synth',
    entry: 'decode',
    modules: [
      { name: 'decode', accelerator: 'cpu', next: ['detect'], frameKB: 16 },
      { name: 'detect', accelerator: 'gpu', next: [], frameKB: 1, variants: [{ name: 'tiny', env: {} }] },
    ],
  });
  const profiles = [
    profile({ frameKB: 48, measuredAt: 1 }),
    profile({ frameKB: 40, measuredAt: 5, node: 'b2' }),
    profile({ module: 'detect', variant: 'tiny', accelerator: 'T4', frameKB: 9 }),
    profile({ module: '*', accelerator: 'T4', frameKB: 3 }),
    profile({ module: 'detect', accelerator: 'T4', state: 'failed', frameKB: 7 }),
  ];
  assert.deepEqual([...measuredFrameKB(profiles)], [['synth/decode', 40]]);
  const [out] = withMeasuredFrameSizes([manifest], profiles);
  assert.equal(out!.modules[0]!.frameKB, 40, 'the newest measurement wins over the declared 16');
  assert.equal(out!.modules[1]!.frameKB, 1, 'declared where nothing was measured');
  assert.equal(manifest.modules[0]!.frameKB, 16, 'the input is left as it was');
  assert.equal(out!.inputKB, undefined, 'no input size measured: none');
  const sent = [
    ...profiles,
    profile({ measuredAt: 6, detail: { inputBytes: 51_200 } }),
    profile({ module: 'detect', accelerator: 'T4', measuredAt: 9, detail: { inputBytes: 999_999 } }),
  ];
  const [measured] = withMeasuredFrameSizes([manifest], sent);
  assert.equal(measured!.inputKB, 50, "the client's frame: the sample the entry module was sent, not detect's input");
});
