/**
 * GPU memory and utilisation from nvidia-smi, for profiles on real GPUs.
 * Absent nvidia-smi (or a failed call) reads as "no figure", never an error.
 */
import { execFile } from 'node:child_process';

export interface GpuReading {
  memoryUsedMB: number;
  utilizationPct: number;
}

export interface GpuSampler {
  /** The device by index or UUID (what NVIDIA_VISIBLE_DEVICES names); undefined when unknown. */
  read(deviceId: string): Promise<GpuReading | undefined>;
}

/** Parses `nvidia-smi --query-gpu=index,uuid,memory.used,utilization.gpu --format=csv,noheader,nounits`. */
export function parseGpuReadings(text: string): Array<GpuReading & { index: string; uuid: string }> {
  return text
    .split('\n')
    .map((l) => l.split(',').map((s) => s.trim()))
    .filter((f) => f.length >= 4 && f[0] !== '')
    .map(([index, uuid, mem, util]) => ({
      index: index!,
      uuid: uuid!,
      memoryUsedMB: Number(mem) || 0,
      utilizationPct: Number(util) || 0,
    }));
}

export class NvidiaSmiSampler implements GpuSampler {
  constructor(
    private readonly bin = 'nvidia-smi',
    private readonly timeoutMs = 3000,
  ) {}

  read(deviceId: string): Promise<GpuReading | undefined> {
    return new Promise((resolve) => {
      execFile(
        this.bin,
        ['--query-gpu=index,uuid,memory.used,utilization.gpu', '--format=csv,noheader,nounits'],
        { timeout: this.timeoutMs },
        (err, out) => {
          if (err) return resolve(undefined);
          const row = parseGpuReadings(out).find((r) => r.index === deviceId || r.uuid === deviceId);
          resolve(row ? { memoryUsedMB: row.memoryUsedMB, utilizationPct: row.utilizationPct } : undefined);
        },
      );
    });
  }
}
