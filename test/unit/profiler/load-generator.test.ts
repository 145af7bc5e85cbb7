import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SEARCH } from '../../../src/domain/profiling/load-search.js';
import { httpSend, loadAgent } from '../../../src/profiler/http-send.js';
import { LoadRun } from '../../../src/profiler/load-generator.js';
import { measureLevel, type LevelOptions } from '../../../src/profiler/measure-level.js';
import { runSearch } from '../../../src/profiler/run-search.js';
import { isProfilingFailed } from '../../../src/profiler/profiling-error.js';
import { startFifoServer } from './fifo-server.js';
import { until } from '../../support/until.js';

const level: LevelOptions = {
  windowMs: 300,
  minSamples: 5,
  maxWindowMs: 1500,
  settleMs: 100,
  stability: { count: 3, tolerancePct: 15 },
  maxWindows: 6,
  errorTolerance: 0.01,
  hangMs: 1500,
};

test('closed loop keeps exactly N frames in flight over N keep-alive connections', async () => {
  const srv = await startFifoServer(10);
  const agent = loadAgent();
  try {
    const run = new LoadRun(httpSend({ url: srv.url, body: Buffer.from('x'), agent, timeoutMs: 2000 }), {
      mode: 'closed',
      concurrency: 3,
    });
    await until('ten answers', async () => (run.samples.length >= 10 ? true : undefined), 10_000, 10);
    await run.stop();
    assert.equal(run.maxInFlight, 3);
    assert.equal(srv.maxQueued(), 3, 'the server saw three frames waiting at once, never more');
    assert.ok(run.samples.length >= 10, `${run.samples.length} answers`);
    assert.ok(run.samples.every((s) => s.ok));
    assert.ok(srv.connections() <= 3, `${srv.connections()} connections for 3 workers`);
  } finally {
    agent.destroy();
    await srv.close();
  }
});

test('open loop sends on its schedule whatever is outstanding', async () => {
  const srv = await startFifoServer(50); // capacity 20/s, offered 100/s: the backlog grows
  const agent = loadAgent();
  try {
    const run = new LoadRun(httpSend({ url: srv.url, body: Buffer.from('x'), agent, timeoutMs: 5000 }), {
      mode: 'open',
      rate: 100,
    });
    const t0 = performance.now();
    // Wait on the count, then check how long it took: 50 frames at 100/s are 0.5 s (80 to 110 frames/s allowed).
    await until('50 frames sent', async () => (run.inFlight + run.samples.length >= 50 ? true : undefined), 10_000, 5);
    const ms = performance.now() - t0;
    await run.stop();
    assert.ok(ms >= 50_000 / 110 - 10 && ms <= 50_000 / 80, `50 frames sent in ${ms.toFixed(0)} ms at 100/s`);
    assert.ok(run.maxInFlight > 20, `backlog reached ${run.maxInFlight}`);
  } finally {
    agent.destroy();
    await srv.close();
  }
});

test('the search finds the capacity of a FIFO module and its light-load latency', async () => {
  const srv = await startFifoServer(20); // truth: 50 frames/s, 20 ms
  const agent = loadAgent();
  try {
    const send = httpSend({ url: srv.url, body: Buffer.from('frame'), agent, timeoutMs: 2000 });
    const { outcome, levels } = await runSearch(
      send,
      { search: DEFAULT_SEARCH, level, warmupMs: 200 },
      AbortSignal.timeout(60_000),
    );
    assert.ok(levels.some((l) => l.level.mode === 'closed') && levels.some((l) => l.level.mode === 'open'));
    // Invariants, not speed (accuracy is the integration tests' job): the server cannot do
    // more than 50 frames/s nor answer faster than 20 ms; a shared box can only make it slower.
    assert.ok(
      outcome.closedPeakFps <= 50 * 1.05 && outcome.closedPeakFps > 25,
      `closed peak ${outcome.closedPeakFps} vs 50`,
    );
    assert.ok(outcome.maxFps > 0 && outcome.maxFps <= outcome.closedPeakFps, `maxFps ${outcome.maxFps}`);
    const light = outcome.light!.stats.latency.p50;
    assert.ok(light >= 19.5, `light-load p50 ${light} ms vs 20 ms`);
  } finally {
    agent.destroy();
    await srv.close();
  }
});

test('a module answering errors fails the level with the reason', async () => {
  const srv = await startFifoServer(5, 'error-rate');
  const agent = loadAgent();
  try {
    const send = httpSend({ url: srv.url, body: Buffer.from('x'), agent, timeoutMs: 2000 });
    await assert.rejects(
      measureLevel(send, { mode: 'closed', concurrency: 2 }, level, AbortSignal.timeout(10_000)),
      (e: unknown) =>
        isProfilingFailed(e) && /answered errors: \d+% of requests failed \(HTTP 500\)/.test((e as Error).message),
    );
  } finally {
    agent.destroy();
    await srv.close();
  }
});

test('a module that never answers fails as hanging, in bounded time', async () => {
  const srv = await startFifoServer(5, 'hang');
  const agent = loadAgent();
  try {
    const send = httpSend({ url: srv.url, body: Buffer.from('x'), agent, timeoutMs: 60_000 });
    // The outer deadline would fail it as "stopped": "hangs" proves the hang bound fired first.
    await assert.rejects(
      measureLevel(send, { mode: 'closed', concurrency: 1 }, level, AbortSignal.timeout(20_000)),
      (e: unknown) => isProfilingFailed(e) && /hangs/.test((e as Error).message),
    );
  } finally {
    agent.destroy();
    await srv.close();
  }
});

test('frames past their deadline mark the level overloaded, not the module failed', async () => {
  const srv = await startFifoServer(50); // capacity 20/s
  const agent = loadAgent();
  try {
    const send = httpSend({ url: srv.url, body: Buffer.from('x'), agent, timeoutMs: 400 });
    const r = await measureLevel(
      send,
      { mode: 'open', rate: 60 },
      { ...level, drainMs: 500 },
      AbortSignal.timeout(20_000),
    );
    assert.equal(r.overloaded, true);
    assert.equal(r.stable, false);
    assert.ok(r.stats.timeouts > 0);
  } finally {
    agent.destroy();
    await srv.close();
  }
});
