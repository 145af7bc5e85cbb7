/**
 * What this box has: CPU cores, memory, GPUs (nvidia-smi, else
 * systeminformation's graphics controllers from NVIDIA) and the emulated
 * accelerators of the config. Measured once and cached: systeminformation is
 * slow to load and slower to ask, so it is imported lazily, off the start path.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpus as osCpus, totalmem } from 'node:os';
import type { Accelerator, NodeInventory } from '../domain/types.js';

export interface EmulatedSpec {
  model: string;
  cpus: number;
  cpuset?: string;
  memoryMB?: number;
}

export interface GpuInfo {
  index: number;
  uuid?: string;
  name: string;
  memoryMB: number;
  /** What nvidia-smi reported in use now; absent when it says [N/A] or [Not Supported]. */
  memoryUsedMB?: number;
  utilizationPct?: number;
}

/** The query the inventory runs; DESIGN's GPU fields: model, memory, what is in use. */
export const NVIDIA_SMI_QUERY = [
  '--query-gpu=index,uuid,name,memory.total,memory.used,utilization.gpu',
  '--format=csv,noheader,nounits',
];

export interface InventoryOptions {
  nodeId: string;
  emulate: EmulatedSpec[];
  detectGpus: boolean;
  /** Replaceable in tests; the real probes otherwise. */
  probeGpus?: () => Promise<GpuInfo[]>;
  probeHost?: () => Promise<{ cpus: number; memoryMB: number }>;
}

export interface Inventory {
  get(): Promise<NodeInventory>;
}

/** A number field, or undefined for `[N/A]`, `[Not Supported]`, empty and the like. */
const field = (s: string | undefined): number | undefined => (s && /^\d+(\.\d+)?$/.test(s) ? Number(s) : undefined);

/**
 * Parses the output of NVIDIA_SMI_QUERY (older four-column output too: index, uuid, name, memory.total).
 * Lines that are not GPU rows (a driver error, blank lines) are skipped; CRLF and padding are tolerated.
 */
export function parseNvidiaSmi(text: string): GpuInfo[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .flatMap((line) => {
      const [index, uuid, name, total, used, util] = line.split(',').map((s) => s.trim());
      if (!index || !/^\d+$/.test(index) || !name) return [];
      const memoryUsedMB = field(used);
      const utilizationPct = field(util);
      return [
        {
          index: Number(index),
          ...(uuid ? { uuid } : {}),
          name,
          memoryMB: Math.round(field(total) ?? 0),
          ...(memoryUsedMB !== undefined ? { memoryUsedMB } : {}),
          ...(utilizationPct !== undefined ? { utilizationPct } : {}),
        },
      ];
    });
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

export async function probeGpus(): Promise<GpuInfo[]> {
  try {
    const out = await run('nvidia-smi', NVIDIA_SMI_QUERY, 5000);
    return parseNvidiaSmi(out);
  } catch {
    // No nvidia-smi (or it failed): ask systeminformation for NVIDIA controllers.
  }
  try {
    const si = await import('systeminformation');
    const g = await si.graphics();
    return g.controllers
      .filter((c) => /nvidia/i.test(c.vendor ?? '') || /nvidia/i.test(c.model ?? ''))
      .map((c, index) => ({ index, name: c.model.replace(/^NVIDIA\s+/i, ''), memoryMB: c.vram ?? 0 }));
  } catch {
    return [];
  }
}

/** Cores from the cgroup quota when the appliance runs in a limited container, else the host's. */
async function cgroupCpuLimit(): Promise<number | undefined> {
  try {
    const [quota, period] = (await readFile('/sys/fs/cgroup/cpu.max', 'utf8')).trim().split(/\s+/);
    if (!quota || quota === 'max') return undefined;
    return Number(quota) / Number(period);
  } catch {
    return undefined;
  }
}

export async function probeHost(): Promise<{ cpus: number; memoryMB: number }> {
  let cpus = osCpus().length;
  let memoryMB = Math.round(totalmem() / 1048576);
  try {
    const si = await import('systeminformation');
    const [cpu, mem] = await Promise.all([si.cpu(), si.mem()]);
    cpus = cpu.cores || cpus;
    memoryMB = Math.round(mem.total / 1048576) || memoryMB;
  } catch {
    // os values stand.
  }
  const limit = await cgroupCpuLimit();
  return { cpus: limit && limit < cpus ? limit : cpus, memoryMB };
}

export class SystemInventory implements Inventory {
  private cached?: Promise<NodeInventory>;

  constructor(private readonly opts: InventoryOptions) {}

  get(): Promise<NodeInventory> {
    this.cached ??= this.measure().catch((e) => {
      this.cached = undefined;
      throw e;
    });
    return this.cached;
  }

  private async measure(): Promise<NodeInventory> {
    const { nodeId, emulate, detectGpus } = this.opts;
    const [host, gpus] = await Promise.all([
      (this.opts.probeHost ?? probeHost)(),
      detectGpus ? (this.opts.probeGpus ?? probeGpus)() : Promise.resolve([]),
    ]);
    const accelerators: Accelerator[] = gpus.map((g) => ({ id: `gpu${g.index}`, model: g.name, memoryMB: g.memoryMB }));
    emulate.forEach((e, i) =>
      accelerators.push({
        id: `emu${i}`,
        model: e.model,
        memoryMB: e.memoryMB ?? 4096,
        emulated: true,
        cpus: e.cpus,
        ...(e.cpuset ? { cpuset: e.cpuset } : {}),
      }),
    );
    // An emulated accelerator is a slice of the box's cores: CPU modules get what is left.
    const sliced = emulate.reduce((sum, e) => sum + e.cpus, 0);
    const cpus = Math.max(0, Math.round((host.cpus - sliced) * 100) / 100);
    return { id: nodeId, cpus, memoryMB: host.memoryMB, accelerators };
  }
}
