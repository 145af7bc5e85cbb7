/** Merging the boxes' measurements of one deployment: rates and counts add, percentiles from the union of samples. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeploymentStats } from '../../../../src/domain/routing/deployment-stats.js';
import { emptyCounts, mergeWindows, viewOf, type StatsWindow } from '../../../../src/domain/routing/stats-window.js';

const win = (
  ok: number,
  limited: number,
  offeredFps: number,
  finishedFps: number,
  latencies: number[],
): StatsWindow => ({ counts: { ...emptyCounts(), ok, 'rate-limited': limited }, offeredFps, finishedFps, latencies });

describe('merged measurements', () => {
  it('adds counts and rates', () => {
    const m = mergeWindows([win(10, 5, 3, 2, [1]), win(20, 1, 4, 3.5, [2]), win(0, 0, 0, 0, [])]);
    assert.equal(m.counts.ok, 30);
    assert.equal(m.counts['rate-limited'], 6);
    assert.equal(m.offeredFps, 7);
    assert.equal(m.finishedFps, 5.5);
  });

  it('takes percentiles over the union of samples, not the average of per-box percentiles', () => {
    // Box A: 90 fast frames (10 ms); box B: 10 slow ones (1000 ms). p95 of all is slow; averaging p95s would say 505.
    const a = win(90, 0, 9, 9, Array(90).fill(10));
    const b = win(10, 0, 1, 1, Array(10).fill(1000));
    const v = viewOf(mergeWindows([a, b]), { fps: 10, latencyMs: 500 }, 2);
    assert.equal(v.latencyMs.p50, 10);
    assert.equal(v.latencyMs.p95, 1000);
    assert.equal(v.slo, 'violated');
    assert.equal(v.boxes, 2);
    assert.equal(v.fps, 10);
    assert.equal(v.inputFps, 10);
    assert.equal('offeredFps' in v, false, 'one name for the arrival rate: inputFps');
    assert.deepEqual(v.frames, { ...emptyCounts(), ok: 100 });
  });

  it('no frame anywhere: nulls, no SLO state', () => {
    const v = viewOf(mergeWindows([]), { fps: 10, latencyMs: 500 }, 0);
    assert.equal(v.fps, null);
    assert.equal(v.inputFps, null);
    assert.deepEqual(v.latencyMs, { p50: null, p95: null, p99: null });
    assert.equal(v.slo, null);
  });

  it("a box's window carries its counts, rates and recent latencies (oldest first, bounded)", () => {
    const s = new DeploymentStats({ latencySamples: 3 });
    for (let i = 1; i <= 5; i++) {
      s.arrived(i * 100);
      s.ended(i * 100 + 5, 'ok', i);
    }
    s.arrived(600);
    s.ended(600, 'rate-limited', 0);
    const w = s.window(1000);
    assert.equal(w.counts.ok, 5);
    assert.equal(w.counts['rate-limited'], 1);
    assert.deepEqual(w.latencies, [3, 4, 5]);
    assert.ok(w.offeredFps > 0 && w.finishedFps > 0);
    assert.ok(s.arrivalFps(1000) > 0);
  });
});
