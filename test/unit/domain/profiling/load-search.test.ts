import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_SEARCH,
  nextLoad,
  type LevelResult,
  type LoadLevel,
  type SearchOutcome,
} from '../../../../src/domain/profiling/load-search.js';
import { summarizeLatencies } from '../../../../src/domain/profiling/percentiles.js';
import type { WindowStats } from '../../../../src/domain/profiling/windows.js';

/** A simulated FIFO server with one worker: service time `s` ms, round trip `rtt` ms. */
function fifo(s: number, rtt = 1, boundBreak = Infinity) {
  return (level: LoadLevel): LevelResult => {
    const cap = 1000 / s;
    let throughput: number;
    let latency: number;
    if (level.mode === 'closed') {
      throughput = Math.min(cap, (level.concurrency * 1000) / (s + rtt));
      latency = Math.max(s + rtt, (level.concurrency * 1000) / throughput);
    } else {
      throughput = Math.min(level.rate, cap * 0.99);
      latency = level.rate < cap ? s + rtt : boundBreak;
    }
    const lat = Array.from({ length: 20 }, () => latency);
    const stats: WindowStats = {
      startMs: 0,
      endMs: 3000,
      sent: 0,
      completed: Math.round(throughput * 3),
      errors: 0,
      timeouts: 0,
      throughput,
      offeredRate: throughput,
      errorRate: 0,
      latency: summarizeLatencies(lat),
      latencies: lat,
    };
    return { level, stable: true, windows: 3, stats };
  };
}

function search(
  measure: (l: LoadLevel) => LevelResult,
  opts = DEFAULT_SEARCH,
): { outcome: SearchOutcome; levels: LoadLevel[] } {
  const history: LevelResult[] = [];
  for (let i = 0; i < 50; i++) {
    const d = nextLoad(history, opts);
    if ('done' in d) return { outcome: d.done, levels: history.map((h) => h.level) };
    history.push(measure(d.next));
  }
  throw new Error('search did not end');
}

test('climbs closed-loop concurrency until throughput stops growing, then confirms open-loop', () => {
  const { outcome, levels } = search(fifo(20, 5));
  assert.deepEqual(levels.slice(0, 3), [
    { mode: 'closed', concurrency: 1 },
    { mode: 'closed', concurrency: 2 },
    { mode: 'closed', concurrency: 4 },
  ]);
  assert.equal(outcome.stopReason, 'plateau');
  assert.equal(outcome.closedPeakFps, 50);
  assert.equal(outcome.maxFps, 50);
  assert.deepEqual(outcome.light?.level, { mode: 'open', rate: 15 });
  assert.deepEqual(outcome.atMax?.level, { mode: 'open', rate: 45 });
  assert.equal(outcome.light?.stats.latency.p50, 25);
});

test('stops climbing when p95 latency passes the bound', () => {
  const { outcome, levels } = search(fifo(100), { ...DEFAULT_SEARCH, latencyBoundMs: 250, growthPct: 0 });
  const closed = levels.filter((l) => l.mode === 'closed');
  assert.deepEqual(closed.at(-1), { mode: 'closed', concurrency: 4 });
  assert.equal(outcome.stopReason, 'latency-bound');
  assert.equal(outcome.closedPeakFps, 10);
});

test('bisects down when the closed-loop peak is not sustained at a fixed arrival rate', () => {
  // Sustains only up to 30 fps open-loop although closed loop reaches 50.
  const base = fifo(20);
  const measure = (l: LoadLevel): LevelResult => {
    const r = base(l);
    if (l.mode === 'open' && l.rate > 30) return { ...r, stats: { ...r.stats, throughput: 30 } };
    return r;
  };
  const { outcome, levels } = search(measure);
  const open = levels.filter((l) => l.mode === 'open');
  assert.deepEqual(
    open.map((l) => l.rate),
    [15, 45, 45, 30, 37.5],
    'light, confirm measured twice, then two bisections',
  );
  assert.ok(outcome.maxFps <= 30 && outcome.maxFps >= 20, `maxFps ${outcome.maxFps}`);
  assert.equal(outcome.closedPeakFps, 50);
});

test('a module that answers nothing ends the search with zero fps', () => {
  const zero = (level: LoadLevel): LevelResult => ({
    level,
    stable: false,
    windows: 3,
    stats: {
      startMs: 0,
      endMs: 1,
      sent: 0,
      completed: 0,
      errors: 0,
      timeouts: 0,
      throughput: 0,
      offeredRate: 0,
      errorRate: 0,
      latency: summarizeLatencies([]),
      latencies: [],
    },
  });
  const { outcome } = search(zero);
  assert.equal(outcome.maxFps, 0);
});

test('a disturbed level is measured again: a closed-loop dip, an unstable light load', () => {
  const base = fifo(20, 5);
  let dips = 1;
  let unstable = 1;
  const measure = (l: LoadLevel): LevelResult => {
    const r = base(l);
    // The first c=2 lands in a busy moment of a shared box; so does the first light load.
    if (l.mode === 'closed' && l.concurrency === 2 && dips-- > 0)
      return { ...r, stats: { ...r.stats, throughput: 20 } };
    if (l.mode === 'open' && l.rate < 20 && unstable-- > 0) return { ...r, stable: false };
    return r;
  };
  const { outcome, levels } = search(measure);
  assert.deepEqual(
    levels.map((l) => (l.mode === 'closed' ? `c${l.concurrency}` : `r${l.rate}`)),
    ['c1', 'c2', 'c2', 'c4', 'r15', 'r15', 'r45'],
  );
  assert.equal(outcome.maxFps, 50);
  assert.equal(outcome.light?.stable, true);
});

test('an overloaded level ends the climb and is never the sustained rate', () => {
  const base = fifo(20, 5);
  const measure = (l: LoadLevel): LevelResult => {
    const r = base(l);
    if (l.mode === 'closed' && l.concurrency >= 4)
      return { ...r, overloaded: true, stats: { ...r.stats, throughput: 60 } };
    if (l.mode === 'open' && l.rate > 40) return { ...r, overloaded: true };
    return r;
  };
  const { outcome, levels } = search(measure, { ...DEFAULT_SEARCH, growthPct: 0 });
  assert.equal(outcome.stopReason, 'latency-bound');
  assert.equal(outcome.closedPeakFps, 50, 'the overloaded c=4 (60/s) does not count');
  assert.ok(outcome.maxFps <= 40, `maxFps ${outcome.maxFps}`);
  assert.ok(levels.filter((l) => l.mode === 'closed').length === 3);
});
