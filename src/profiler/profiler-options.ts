/**
 * The profiler's tuning, one schema with every default. The appliance config
 * carries `profiling.schedule` and `profiling.enabled`; the rest can ride in
 * the same section (the config schema may embed `profilerTuningSchema`) or
 * come from a benchmark. Defaults follow perf_analyzer: windows that must
 * agree within 10%, three in a row, warm-up excluded.
 */
import { z } from 'zod';
import { DEFAULT_SEARCH, type SearchOptions } from '../domain/profiling/load-search.js';
import type { LevelOptions } from './measure-level.js';

export const profilerTuningSchema = z.strictObject({
  /** Shortest measurement window (ms); a window also waits for `minSamples` answers. */
  windowMs: z.number().int().min(50).default(500),
  minSamples: z.number().int().min(1).default(20),
  /** Open loop: answers a window waits for at most (a low fixed rate cannot give many). */
  openMinSamples: z.number().int().min(1).default(8),
  /** A window ends at this length even with fewer answers (ms). */
  maxWindowMs: z.number().int().min(100).default(4000),
  /** Windows that must agree, and within how many percent. */
  stableWindows: z.number().int().min(2).default(3),
  stabilityPct: z.number().positive().max(100).default(10),
  maxWindows: z.number().int().min(3).default(5),
  /** Thrown away at the start of every level (ms). */
  settleMs: z.number().int().min(0).default(300),
  /** One request at a time before the first level, thrown away (ms). */
  warmupMs: z.number().int().min(0).default(500),
  /** p95 bound that ends the climb; the app's default latency target when it has one. */
  latencyBoundMs: z.number().positive().default(1000),
  maxConcurrency: z.number().int().min(1).max(1024).default(16),
  /** Share of failed requests a window may have. */
  errorTolerance: z.number().min(0).max(1).default(0.01),
  /** Per-request deadline (ms). */
  requestTimeoutMs: z.number().int().min(100).default(5000),
  /** No answer at all for this long: the module hangs (ms). */
  hangMs: z.number().int().min(100).default(8000),
  /** How long a replica may take to answer /healthz with 200 (ms). */
  healthTimeoutMs: z.number().int().min(100).default(30_000),
  /** A whole run (one target) is cut off after this (ms). */
  maxRunMs: z.number().int().min(1000).default(180_000),
  /** Cores given to a CPU module while it is profiled. */
  cpuModuleCores: z.number().positive().default(1),
  /** Resource sampling period (ms). */
  statsIntervalMs: z.number().int().min(100).default(1000),
  /** Profiles older than this are re-measured; 0: only by schedule, refresh or a new digest. */
  maxAgeMs: z.number().int().min(0).default(0),
  /** How often the profiler looks for missing profiles (new app, digest or accelerator model) (ms). */
  checkIntervalMs: z.number().int().min(1000).default(30_000),
});

export type ProfilerTuning = z.output<typeof profilerTuningSchema>;

export const DEFAULT_TUNING: ProfilerTuning = profilerTuningSchema.parse({});

export function levelOptions(t: ProfilerTuning): LevelOptions {
  return {
    windowMs: t.windowMs,
    minSamples: t.minSamples,
    openMinSamples: t.openMinSamples,
    maxWindowMs: t.maxWindowMs,
    settleMs: t.settleMs,
    stability: { count: t.stableWindows, tolerancePct: t.stabilityPct },
    maxWindows: t.maxWindows,
    errorTolerance: t.errorTolerance,
    hangMs: t.hangMs,
    drainMs: t.requestTimeoutMs,
  };
}

export function searchOptions(t: ProfilerTuning, latencyBoundMs?: number): SearchOptions {
  return { ...DEFAULT_SEARCH, latencyBoundMs: latencyBoundMs ?? t.latencyBoundMs, maxConcurrency: t.maxConcurrency };
}
