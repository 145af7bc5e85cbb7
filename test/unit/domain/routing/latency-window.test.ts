import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LatencyWindow, nearestRank } from '../../../../src/domain/routing/latency-window.js';
import { RateWindow } from '../../../../src/domain/routing/rate-window.js';

describe('latency window and percentiles', () => {
  it('nearest-rank percentiles of 1..100 ms are 50, 95 and 99', () => {
    const w = new LatencyWindow(100);
    for (let i = 100; i >= 1; i--) w.record(i); // order does not matter
    assert.deepEqual(w.percentiles(), { p50: 50, p95: 95, p99: 99 });
  });

  it('small samples: the rank rounds up (p50 of 4 values is the 2nd, p95 and p99 the 4th)', () => {
    const w = new LatencyWindow(8);
    [40, 10, 30, 20].forEach((v) => w.record(v));
    assert.deepEqual(w.percentiles(), { p50: 20, p95: 40, p99: 40 });
    assert.equal(nearestRank([7], 1), 7);
    assert.equal(new LatencyWindow(4).percentiles(), undefined, 'empty: none');
  });

  it('keeps only the most recent `capacity` latencies', () => {
    const w = new LatencyWindow(10);
    for (let i = 0; i < 10; i++) w.record(1000);
    for (let i = 1; i <= 10; i++) w.record(i);
    assert.equal(w.count, 10);
    assert.deepEqual(w.percentiles(), { p50: 5, p95: 10, p99: 10 });
  });
});

describe('rate window (finish rate)', () => {
  it('10 events a second for 20 s reads 10/s over a 10 s window', () => {
    const r = new RateWindow(10_000, 40);
    for (let t = 0; t < 20_000; t += 100) r.record(t);
    assert.equal(r.count(19_999), 100);
    assert.ok(Math.abs(r.perSecond(19_999) - 10) < 0.01);
  });

  it('a steady stream reads its rate at every phase of the newest slot, not up to one slot slow', () => {
    const r = new RateWindow(3000, 12); // the arrival window admission shares follow
    for (let t = 0; t <= 20_000; t += 100) {
      r.record(t);
      for (const at of [t, t + 10, t + 50, t + 99]) {
        if (at < 3000) continue;
        const v = r.perSecond(at);
        assert.ok(Math.abs(v - 10) <= 0.5, `${v.toFixed(2)}/s at ${at} ms (10/s sent)`);
      }
    }
  });

  it('a stream younger than the window is rated over its own age, not the whole window', () => {
    const r = new RateWindow(10_000, 40);
    for (let t = 0; t < 2000; t += 100) r.record(t); // 20 events in 2 s
    assert.equal(r.perSecond(2000), 10);
  });

  it('a young stream reads its rate at every phase, not up to one gap fast (the load trigger sizes on it)', () => {
    const r = new RateWindow(10_000, 40);
    for (let t = 0; t <= 6000; t += 200) {
      r.record(t); // 5 a second, as `rim load --fps 5` sends
      for (const at of [t, t + 1, t + 100, t + 199]) {
        if (at < 500) continue;
        const v = r.perSecond(at);
        assert.ok(Math.abs(v - 5) <= 0.05, `${v.toFixed(2)}/s at ${at} ms (5/s sent)`);
      }
    }
    assert.ok(r.perSecond(9000) < 4.5, `decays once it stops (${r.perSecond(9000).toFixed(2)}/s 3 s later)`);
  });

  it('decays after traffic stops, reads 0 once the window is past, and restarts the period after silence', () => {
    const r = new RateWindow(10_000, 40);
    for (let t = 0; t < 10_000; t += 100) r.record(t);
    assert.ok(Math.abs(r.perSecond(14_999) - 5) < 0.01, 'half the window still holds frames');
    assert.equal(r.perSecond(30_000), 0);
    r.record(40_000);
    r.record(40_100);
    assert.equal(r.count(40_100), 2);
    assert.equal(r.perSecond(40_250), 8, '2 frames over one 250 ms slot of the new period');
  });
});
