import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, summarizeLatencies } from '../../../../src/domain/profiling/percentiles.js';
import {
  isStable,
  mergeWindows,
  summarizeWindow,
  withinTolerance,
  type RequestSample,
} from '../../../../src/domain/profiling/windows.js';

test('nearest-rank percentiles pick real samples', () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(xs, 50), 50);
  assert.equal(percentile(xs, 95), 95);
  assert.equal(percentile(xs, 99), 99);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
  const s = summarizeLatencies([30, 10, 20]);
  assert.deepEqual([s.count, s.mean, s.p50, s.max], [3, 20, 20, 30]);
});

/** `n` requests of `latency` ms completing evenly over [from, from+span). */
function even(n: number, from: number, span: number, latency: number, ok = true): RequestSample[] {
  return Array.from({ length: n }, (_, i) => {
    const doneAt = from + (i * span) / n;
    return { sentAt: doneAt - latency, doneAt, ok, ...(ok ? {} : { error: 'HTTP 500' }) };
  });
}

test('a window counts only what completed inside it (warm-up excluded)', () => {
  const samples = [...even(10, 0, 1000, 5), ...even(40, 1000, 1000, 20)];
  const w = summarizeWindow(samples, 1000, 2000);
  assert.equal(w.completed, 40);
  assert.equal(w.throughput, 40);
  assert.equal(w.latency.p50, 20);
  assert.equal(w.errors, 0);
});

test('errors are counted apart from throughput, with the most frequent reason', () => {
  const samples = [...even(30, 0, 1000, 10), ...even(10, 0, 1000, 1, false)];
  const w = summarizeWindow(samples, 0, 1000);
  assert.equal(w.completed, 30);
  assert.equal(w.errors, 10);
  assert.equal(w.errorRate, 0.25);
  assert.equal(w.topError, 'HTTP 500');
  assert.equal(w.latency.count, 30);
});

test('stability needs the last three windows to agree in throughput and median latency', () => {
  const w = (n: number, lat: number, at: number) => summarizeWindow(even(n, at, 1000, lat), at, at + 1000);
  assert.equal(isStable([w(50, 20, 0), w(51, 20, 1000)]), false, 'two windows are not enough');
  assert.equal(
    isStable([w(10, 90, 0), w(50, 20, 1000), w(52, 21, 2000), w(49, 20, 3000)]),
    true,
    'warm-up window ignored',
  );
  assert.equal(isStable([w(50, 20, 0), w(70, 20, 1000), w(50, 20, 2000)]), false, 'throughput spread');
  assert.equal(isStable([w(50, 20, 0), w(50, 30, 1000), w(50, 20, 2000)]), false, 'latency spread');
  assert.equal(isStable([w(50, 20, 0), w(70, 20, 1000), w(50, 20, 2000)], { count: 3, tolerancePct: 30 }), true);
  assert.equal(isStable([w(0, 20, 0), w(0, 20, 1000), w(0, 20, 2000)]), false, 'nothing completed is never stable');
  assert.equal(withinTolerance([100, 109, 95], 10), true);
  assert.equal(withinTolerance([100, 125, 95], 10), false);
});

test('merged windows pool counts over the summed span and latencies exactly', () => {
  const a = summarizeWindow(even(40, 0, 1000, 10), 0, 1000);
  const b = summarizeWindow(even(60, 1000, 1000, 30), 1000, 2000);
  const m = mergeWindows([a, b]);
  assert.equal(m.completed, 100);
  assert.equal(m.throughput, 50);
  assert.equal(m.latency.p50, 30);
  assert.equal(m.latency.count, 100);
  assert.equal(m.startMs, 0);
  assert.equal(m.endMs, 2000);
});
