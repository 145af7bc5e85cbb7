/**
 * How full each accelerator of this box is, measured (not planned): the CPU
 * its replicas use over the cores an emulated accelerator is given (Docker
 * stats), nvidia-smi's utilisation for a real GPU, and the replicas' CPU over
 * the box's free cores for `cpu`. Read on demand only (the node view, a
 * scrape), cached briefly so a page and a scraper do not double the cost.
 */
import type { ContainerEngine } from '../adapters/container-engine.js';
import type { Inventory } from '../adapters/inventory.js';
import type { GpuSampler } from '../profiler/gpu-sampler.js';
import type { ReplicaView } from './replica-view.js';

export interface AcceleratorUse {
  /** Busy share, 0..1 (may pass 1 when a slice is oversubscribed); null when it could not be read. */
  ratio: number | null;
  source: 'cpu-share' | 'nvidia-smi';
}

export interface UtilisationDeps {
  engine: Pick<ContainerEngine, 'stats'>;
  inventory: Inventory;
  supervisor: ReplicaView;
  gpu?: GpuSampler;
  now: () => number;
  ttlMs?: number;
}

const round = (v: number) => Math.round(v * 1000) / 1000;

export class MeasuredUtilisation {
  private cached?: { at: number; value: Promise<Record<string, AcceleratorUse>> };

  constructor(private readonly deps: UtilisationDeps) {}

  /** By accelerator id (`emu0`, `gpu0`, `cpu`). */
  get(): Promise<Record<string, AcceleratorUse>> {
    const now = this.deps.now();
    if (this.cached && now - this.cached.at < (this.deps.ttlMs ?? 3000)) return this.cached.value;
    const value = this.measure();
    this.cached = { at: now, value };
    return value;
  }

  /**
   * The last finished measurement at once, starting a new one when it is
   * stale (only the very first call waits for one): Docker's one-shot stats
   * take a second or two per container, which a node view (and a member
   * asking for it, within 2 s) must not wait on every time.
   */
  latest(): Promise<Record<string, AcceleratorUse>> {
    const pending = this.get().then((v) => (this.last = v));
    if (this.last) {
      pending.catch(() => undefined);
      return Promise.resolve(this.last);
    }
    return pending.catch(() => ({}));
  }

  private last?: Record<string, AcceleratorUse>;

  private async measure(): Promise<Record<string, AcceleratorUse>> {
    const inventory = await this.deps.inventory.get();
    const running = this.deps.supervisor.replicas().filter((r) => r.state === 'running' && r.containerId);
    const cores = new Map<string, number | null>();
    await Promise.all(
      running.map(async (r) => {
        const used = await this.deps.engine.stats(r.containerId!).then(
          (s) => s.cpuCores,
          () => null,
        );
        const prev = cores.get(r.accelerator);
        cores.set(r.accelerator, prev === null || used === null ? null : (prev ?? 0) + used);
      }),
    );
    const out: Record<string, AcceleratorUse> = {};
    for (const a of inventory.accelerators) {
      if (a.emulated) {
        const used = cores.get(a.id);
        out[a.id] = { ratio: used === null ? null : round((used ?? 0) / (a.cpus || 1)), source: 'cpu-share' };
        continue;
      }
      const reading = await this.deps.gpu?.read(a.id.replace(/^gpu/, ''));
      out[a.id] = { ratio: reading ? round(reading.utilizationPct / 100) : null, source: 'nvidia-smi' };
    }
    const cpu = cores.get('cpu');
    out.cpu = { ratio: cpu === null ? null : round((cpu ?? 0) / (inventory.cpus || 1)), source: 'cpu-share' };
    return out;
  }
}
