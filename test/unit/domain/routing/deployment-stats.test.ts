import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeploymentStats } from '../../../../src/domain/routing/deployment-stats.js';
import { sloState } from '../../../../src/domain/routing/slo.js';

describe('SLO state', () => {
  const target = { fps: 10, latencyMs: 100 };
  it('null when idle; met when p95 is within the target and 95% of the frames asked for (up to fps) finish', () => {
    assert.equal(sloState({ ...target, offeredFps: 0, finishedFps: 0 }), null);
    assert.equal(sloState({ ...target, offeredFps: 10, finishedFps: 9.5, p95: 100 }), 'met');
    assert.equal(
      sloState({ ...target, offeredFps: 30, finishedFps: 9.5, p95: 80 }),
      'met',
      'frames over the admitted rate do not count',
    );
    assert.equal(
      sloState({ ...target, offeredFps: 4, finishedFps: 4, p95: 80 }),
      'met',
      'a client sending less than admitted',
    );
  });
  it('violated when too slow, when frames are lost, or when nothing finishes', () => {
    assert.equal(sloState({ ...target, offeredFps: 10, finishedFps: 10, p95: 101 }), 'violated');
    assert.equal(sloState({ ...target, offeredFps: 10, finishedFps: 9.4, p95: 50 }), 'violated');
    assert.equal(sloState({ ...target, offeredFps: 10, finishedFps: 0 }), 'violated');
  });
});

describe('deployment stats', () => {
  it('counts outcomes, takes percentiles of finished frames, rates over the window and fills the histogram', () => {
    const s = new DeploymentStats({ windowMs: 10_000 });
    assert.deepEqual(s.view(0, { fps: 10, latencyMs: 100 }), {
      fps: null,
      inputFps: null,
      latencyMs: { p50: null, p95: null, p99: null },
      slo: null,
    });
    for (let i = 0; i < 100; i++) {
      const t = i * 100; // 10 fps for 10 s
      s.arrived(t);
      s.ended(t, 'ok', 1 + (i % 20)); // latencies 1..20 ms
    }
    s.arrived(9950);
    s.ended(9950, 'rate-limited', 0);
    s.arrived(9960);
    s.ended(9999, 'deadline-missed', 100);
    assert.deepEqual(s.counts, { ok: 100, 'rate-limited': 1, unavailable: 0, 'deadline-missed': 1, refused: 0 });
    const v = s.view(9999, { fps: 10, latencyMs: 100 });
    assert.equal(v.fps, 10);
    assert.equal(v.inputFps, 10.2, '102 frames arrived in the 10 s window');
    assert.deepEqual(v.latencyMs, { p50: 10, p95: 19, p99: 20 });
    assert.equal(v.slo, 'met');
    assert.equal(s.view(9999, { fps: 10, latencyMs: 15 }).slo, 'violated', 'p95 19 ms over a 15 ms target');
    // Histogram: cumulative; 1..20 ms five times each.
    assert.equal(s.buckets[0], 5, 'le=1');
    assert.equal(s.buckets[3], 50, 'le=10');
    assert.equal(s.buckets[4], 100, 'le=25');
    assert.equal(s.buckets[s.buckets.length - 1], 100, '+Inf');
    assert.equal(s.latencySumMs, 5 * 210);
    assert.equal(s.view(60_000, { fps: 10, latencyMs: 100 }).slo, null, 'idle again after the window');
  });
});
