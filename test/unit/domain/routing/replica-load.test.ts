/** A replica's load as a router sees it (served rate, busy time) and its merge across boxes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeReplicaWindows, ReplicaLoad } from '../../../../src/domain/routing/replica-load.js';
import { mergeWindows, viewOf, emptyCounts } from '../../../../src/domain/routing/stats-window.js';

/** Calls of `ms` each, one every `gapMs`, from t=0 to t=until; returns the load. */
function serial(ms: number, gapMs: number, until: number): ReplicaLoad {
  const r = new ReplicaLoad('n1', 'det');
  for (let t = 0; t + ms <= until; t += gapMs) {
    r.started(t);
    r.ended(t + ms, true);
  }
  return r;
}

test('served fps and busy fraction over the window: 10 calls/s of 50 ms is 10 fps, half busy', () => {
  const w = serial(50, 100, 20_000).window(20_000);
  assert.ok(Math.abs(w.servedFps - 10) < 0.3, `served ${w.servedFps}`);
  assert.ok(Math.abs(w.busy - 0.5) < 0.03, `busy ${w.busy}`);
  assert.equal(w.node, 'n1');
  assert.equal(w.module, 'det');
});

test('overlapping calls count their union once; a long call counts as busy before it ends', () => {
  const r = new ReplicaLoad('n1', 'det');
  for (let t = 0; t < 20_000; t += 100) {
    // Two calls in flight together for 50 ms of every 100 ms.
    r.started(t);
    r.started(t);
    r.ended(t + 50, true);
    r.ended(t + 50, true);
  }
  const w = r.window(20_000);
  assert.ok(Math.abs(w.busy - 0.5) < 0.03, `busy ${w.busy}`);
  assert.ok(Math.abs(w.servedFps - 20) < 0.5, `served ${w.servedFps}`);
  const hung = new ReplicaLoad('n1', 'det');
  hung.started(30_000);
  assert.equal(hung.window(50_000).busy, 1, 'in flight the whole window');
  assert.equal(hung.window(50_000).servedFps, 0);
});

test('a failed call is busy time but not served; an idle replica is inactive after the window', () => {
  const r = new ReplicaLoad('n1', 'det');
  for (let t = 0; t < 10_000; t += 100) {
    r.started(t);
    r.ended(t + 90, false);
  }
  const w = r.window(10_000);
  assert.equal(w.servedFps, 0);
  assert.ok(w.busy > 0.85, `busy ${w.busy}`);
  assert.equal(r.active(10_000), true);
  assert.equal(r.active(30_000), false);
});

test('across boxes served rates add and busy fractions add up to at most 1; the view lists each replica', () => {
  const a = { node: 'n1', module: 'det', servedFps: 4, busy: 0.4 };
  assert.deepEqual(mergeReplicaWindows([a, { ...a, servedFps: 3, busy: 0.3 }]), { ...a, servedFps: 7, busy: 0.7 });
  assert.equal(mergeReplicaWindows([a, { ...a, busy: 0.8 }]).busy, 1);
  const box = (servedFps: number, busy: number) => ({
    counts: { ...emptyCounts(), ok: 10 },
    offeredFps: 5,
    finishedFps: 5,
    latencies: [10],
    replicas: {
      'rim-n1-a-det-default-cpu': { node: 'n1', module: 'det', servedFps, busy },
      ...(busy > 0.2 ? { 'rim-n2-a-det-default-cpu': { node: 'n2', module: 'det', servedFps: 1, busy: 0.1 } } : {}),
    },
  });
  const v = viewOf(mergeWindows([box(4, 0.25), box(2.5, 0.125)]), { fps: 10, latencyMs: 100 }, 2);
  assert.deepEqual(v.replicas, [
    { replica: 'rim-n1-a-det-default-cpu', node: 'n1', module: 'det', servedFps: 6.5, busy: 0.38 },
    { replica: 'rim-n2-a-det-default-cpu', node: 'n2', module: 'det', servedFps: 1, busy: 0.1 },
  ]);
  assert.equal(v.fps, 10);
});
