/**
 * A measurement becomes a stored profile: max fps from the load search,
 * latency as the light-load median (what placement scales by 1/(1−u)), the
 * resources seen at the max sustained rate, and the percentiles and levels
 * kept as detail for operators.
 */
import type { StoredProfile } from '../types.js';
import type { ProfileTarget } from './profile-key.js';
import type { LevelResult, SearchOutcome } from './load-search.js';

export interface ResourceUse {
  cpuCores: number;
  memoryMB: number;
  gpuMemoryMB?: number;
  gpuUtilPct?: number;
}

export interface Measurement {
  outcome: SearchOutcome;
  levels: readonly LevelResult[];
  resources: ResourceUse;
  /** Wall time of the whole run, start to removal (ms). */
  durationMs: number;
  /** Accelerator binding, in words: `emulated 0.5 cpus`, `gpu 0`, `cpu 1`. */
  binding?: string;
  /** Size of the frame sent to the (entry) module. */
  inputBytes?: number;
  /** CPU quota of the replicas (cores), when they have one: a peak far below it means a contended box. */
  quotaCores?: number;
  /** Mean size of the module's answers (bytes): its frame size. Single modules only. */
  outputBytes?: number;
}

const r2 = (v: number): number => Math.round(v * 100) / 100;

function levelDetail(l: LevelResult): Record<string, unknown> {
  return {
    ...(l.level.mode === 'closed'
      ? { mode: 'closed', concurrency: l.level.concurrency }
      : { mode: 'open', rate: l.level.rate }),
    throughput: r2(l.stats.throughput),
    p50: r2(l.stats.latency.p50),
    p95: r2(l.stats.latency.p95),
    p99: r2(l.stats.latency.p99),
    samples: l.stats.latency.count,
    errors: l.stats.errors,
    stable: l.stable,
    windows: l.windows,
    ...(l.overloaded ? { overloaded: true, timeouts: l.stats.timeouts } : {}),
  };
}

function percentiles(l: LevelResult | undefined): Record<string, number> | undefined {
  if (!l) return undefined;
  const rate = l.level.mode === 'open' ? l.level.rate : l.stats.throughput;
  return { rate: r2(rate), p50: r2(l.stats.latency.p50), p95: r2(l.stats.latency.p95), p99: r2(l.stats.latency.p99) };
}

/** The fields that say which profile this is: app, module, variant, accelerator model, digest. */
function targetFields(t: ProfileTarget): Pick<StoredProfile, 'app' | 'module' | 'variant' | 'accelerator' | 'digest'> {
  return {
    app: t.app,
    module: t.module,
    ...(t.variant !== undefined ? { variant: t.variant } : {}),
    accelerator: t.accelerator,
    digest: t.digest,
  };
}

export function toStoredProfile(t: ProfileTarget, m: Measurement, now: number): StoredProfile {
  const { outcome } = m;
  const lightLatency = outcome.light?.stats.latency.p50;
  const fallback = m.levels.find((l) => l.level.mode === 'closed')?.stats.latency.p50 ?? 0;
  return {
    ...targetFields(t),
    maxFps: r2(outcome.maxFps),
    latencyMs: r2(lightLatency !== undefined && Number.isFinite(lightLatency) ? lightLatency : fallback),
    cpuCores: r2(m.resources.cpuCores),
    memoryMB: Math.ceil(m.resources.memoryMB),
    ...(m.resources.gpuMemoryMB !== undefined ? { gpuMemoryMB: Math.ceil(m.resources.gpuMemoryMB) } : {}),
    ...(m.outputBytes !== undefined ? { frameKB: Math.max(0.01, r2(m.outputBytes / 1024)) } : {}),
    state: 'ok',
    measuredAt: now,
    detail: {
      closedPeakFps: r2(outcome.closedPeakFps),
      stopReason: outcome.stopReason,
      ...(outcome.overBound ? { overBound: true } : {}),
      latency: { light: percentiles(outcome.light), atMax: percentiles(outcome.atMax) },
      levels: m.levels.map(levelDetail),
      durationMs: Math.round(m.durationMs),
      ...(m.binding ? { binding: m.binding } : {}),
      ...(m.inputBytes !== undefined ? { inputBytes: m.inputBytes } : {}),
      ...(m.quotaCores !== undefined ? { quotaCores: m.quotaCores } : {}),
      ...(m.resources.gpuUtilPct !== undefined ? { gpuUtilPct: r2(m.resources.gpuUtilPct) } : {}),
    },
  };
}

export function failedProfile(
  t: ProfileTarget,
  reason: string,
  now: number,
  detail?: Record<string, unknown>,
): StoredProfile {
  return {
    ...targetFields(t),
    maxFps: 0,
    latencyMs: 0,
    cpuCores: 0,
    memoryMB: 0,
    state: 'failed',
    reason,
    measuredAt: now,
    ...(detail ? { detail } : {}),
  };
}
