/**
 * Samples what profiling replicas use while they are driven: CPU cores and
 * memory from the engine's stats (Docker's stats API), GPU memory and
 * utilisation from nvidia-smi for a real GPU. Each sample covers the time
 * since the previous one, so a level's figure is the mean of the samples
 * that fall inside its span.
 */
import { performance } from 'node:perf_hooks';
import type { ContainerEngine } from '../adapters/container-engine.js';
import type { ResourceUse } from '../domain/profiling/profile-result.js';
import type { GpuSampler } from './gpu-sampler.js';
import { sleep } from '../sleep.js';

export interface ResourceSample {
  from: number;
  to: number;
  cpuCores: number;
  memoryMB: number;
  gpuMemoryMB?: number;
  gpuUtilPct?: number;
}

export class ResourceSampler {
  readonly samples: ResourceSample[] = [];
  private readonly stopper = new AbortController();
  private loop: Promise<void> | undefined;
  constructor(
    private readonly engine: Pick<ContainerEngine, 'stats'>,
    private readonly containerIds: readonly string[],
    private readonly intervalMs: number,
    /** `baselineMB`: the GPU's memory in use before the replicas started; their use is what comes on top. */
    private readonly gpu?: { sampler: GpuSampler; deviceId: string; baselineMB?: number },
  ) {}

  start(): void {
    this.loop = (async () => {
      // The first reading only sets the engine's CPU reference point.
      await Promise.all(this.containerIds.map((id) => this.engine.stats(id).catch(() => undefined)));
      let from = performance.now();
      while (!this.stopper.signal.aborted) {
        await sleep(this.intervalMs, this.stopper.signal);
        if (this.stopper.signal.aborted) break;
        const [stats, g] = await Promise.all([
          Promise.all(this.containerIds.map((id) => this.engine.stats(id).catch(() => undefined))),
          this.gpu ? this.gpu.sampler.read(this.gpu.deviceId) : Promise.resolve(undefined),
        ]);
        const to = performance.now();
        if (stats.every((s) => s !== undefined)) {
          this.samples.push({
            from,
            to,
            cpuCores: stats.reduce((sum, s) => sum + s!.cpuCores, 0),
            memoryMB: stats.reduce((sum, s) => sum + s!.memoryMB, 0),
            ...(g
              ? { gpuMemoryMB: Math.max(0, g.memoryUsedMB - (this.gpu?.baselineMB ?? 0)), gpuUtilPct: g.utilizationPct }
              : {}),
          });
        }
        from = to;
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop?.catch(() => undefined);
  }

  /** CPU and GPU use over [from, to] (the max-load level), memory at its peak over the whole run. */
  useDuring(from: number, to: number): ResourceUse {
    return summarizeUse(this.samples, from, to);
  }
}

/** Pure: the samples inside [from, to] (or, when none fits, those overlapping it most). */
export function summarizeUse(samples: readonly ResourceSample[], from: number, to: number): ResourceUse {
  const inside = samples.filter((s) => s.from >= from - 1 && s.to <= to + 1);
  const overlap = (s: ResourceSample): number => Math.max(0, Math.min(s.to, to) - Math.max(s.from, from));
  const chosen = inside.length
    ? inside
    : samples
        .filter((s) => overlap(s) > 0)
        .sort((a, b) => overlap(b) - overlap(a))
        .slice(0, 1);
  const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const gpuMem = samples.flatMap((s) => (s.gpuMemoryMB !== undefined ? [s.gpuMemoryMB] : []));
  const gpuUtil = chosen.flatMap((s) => (s.gpuUtilPct !== undefined ? [s.gpuUtilPct] : []));
  return {
    cpuCores: mean(chosen.map((s) => s.cpuCores)),
    memoryMB: samples.length ? Math.max(...samples.map((s) => s.memoryMB)) : 0,
    ...(gpuMem.length ? { gpuMemoryMB: Math.max(...gpuMem) } : {}),
    ...(gpuUtil.length ? { gpuUtilPct: mean(gpuUtil) } : {}),
  };
}
