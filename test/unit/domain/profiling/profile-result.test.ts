import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeLatencies } from '../../../../src/domain/profiling/percentiles.js';
import type { LevelResult, LoadLevel } from '../../../../src/domain/profiling/load-search.js';
import { failedProfile, toStoredProfile } from '../../../../src/domain/profiling/profile-result.js';
import { parseGpuReadings } from '../../../../src/profiler/gpu-sampler.js';
import { summarizeUse } from '../../../../src/profiler/resource-sampler.js';

const level = (l: LoadLevel, throughput: number, lat: number[]): LevelResult => ({
  level: l,
  stable: true,
  windows: 3,
  stats: {
    startMs: 0,
    endMs: 3000,
    sent: 0,
    completed: lat.length,
    errors: 0,
    timeouts: 0,
    throughput,
    offeredRate: throughput,
    errorRate: 0,
    latency: summarizeLatencies(lat),
    latencies: lat,
  },
});

test('measurement → profile: light-load median latency, percentiles at light and max load, levels as detail', () => {
  const light = level({ mode: 'open', rate: 7.5 }, 7.5, [30, 31, 32, 29, 90]);
  const atMax = level({ mode: 'open', rate: 22.5 }, 22.4, [40, 60, 80]);
  const levels = [
    level({ mode: 'closed', concurrency: 1 }, 24, [41, 42]),
    level({ mode: 'closed', concurrency: 2 }, 25, [80, 81]),
    light,
    atMax,
  ];
  const p = toStoredProfile(
    { app: 'a', module: 'detect', variant: 'tiny', accelerator: 'emu', digest: 'sha256:1' },
    {
      outcome: { maxFps: 25.004, closedPeakFps: 25.004, stopReason: 'plateau', overBound: false, light, atMax },
      levels,
      resources: { cpuCores: 0.987, memoryMB: 41.2 },
      durationMs: 12345.6,
      inputBytes: 16384,
    },
    1000,
  );
  assert.deepEqual(
    { ...p, detail: undefined },
    {
      app: 'a',
      module: 'detect',
      variant: 'tiny',
      accelerator: 'emu',
      digest: 'sha256:1',
      maxFps: 25,
      latencyMs: 31,
      cpuCores: 0.99,
      memoryMB: 42,
      state: 'ok',
      measuredAt: 1000,
      detail: undefined,
    },
  );
  const d = p.detail as Record<string, any>;
  assert.deepEqual(d.latency.light, { rate: 7.5, p50: 31, p95: 90, p99: 90 });
  assert.deepEqual(d.latency.atMax, { rate: 22.5, p50: 60, p95: 80, p99: 80 });
  assert.equal(d.levels.length, 4);
  assert.equal(d.levels[1].concurrency, 2);
  assert.equal(d.inputBytes, 16384);
  const f = failedProfile({ app: 'a', module: 'x', accelerator: 'cpu', digest: 'd' }, 'never became healthy', 5);
  assert.equal(f.state, 'failed');
  assert.equal(f.reason, 'never became healthy');
  assert.equal(f.maxFps, 0);
});

test('resource use: CPU averaged over the samples inside the max-load span, memory at its peak over the run', () => {
  const samples = [
    { from: 0, to: 1000, cpuCores: 0.1, memoryMB: 30 },
    { from: 1000, to: 2000, cpuCores: 0.9, memoryMB: 45, gpuMemoryMB: 300, gpuUtilPct: 80 },
    { from: 2000, to: 3000, cpuCores: 1.1, memoryMB: 40, gpuMemoryMB: 310, gpuUtilPct: 90 },
    { from: 3000, to: 4000, cpuCores: 0.2, memoryMB: 35 },
  ];
  assert.deepEqual(summarizeUse(samples, 1000, 3000), { cpuCores: 1, memoryMB: 45, gpuMemoryMB: 310, gpuUtilPct: 85 });
  // No sample fits a short span: the one overlapping it most stands in.
  assert.equal(summarizeUse(samples, 2100, 2600).cpuCores, 1.1);
  assert.deepEqual(summarizeUse([], 0, 1), { cpuCores: 0, memoryMB: 0 });
});

test('nvidia-smi readings parse by index and UUID', () => {
  const rows = parseGpuReadings('0, GPU-aaaa, 1024, 37\n1, GPU-bbbb, 81559, 100\n');
  assert.deepEqual(rows, [
    { index: '0', uuid: 'GPU-aaaa', memoryUsedMB: 1024, utilizationPct: 37 },
    { index: '1', uuid: 'GPU-bbbb', memoryUsedMB: 81559, utilizationPct: 100 },
  ]);
});
