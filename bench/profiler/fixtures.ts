/**
 * What the profiler's benchmark and integration tests share: a one-box
 * profiler on the real Docker engine with emulated accelerators, a lowdb
 * store in a temp dir, and calibrated apps whose true figures are known.
 * The synthetic module burns COST_MS of CPU per frame, one frame at a time:
 * on a quota of q ≤ 1 core it sustains q·1000/COST_MS frames/s, and at light
 * load a frame takes COST_MS.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerContainerEngine } from '../../src/adapters/docker-engine.js';
import { LowdbStore } from '../../src/adapters/lowdb-store.js';
import { parseManifest } from '../../src/domain/manifest.js';
import type { Accelerator, NodeInventory, RegisteredApp } from '../../src/domain/types.js';
import { createLogger } from '../../src/log.js';
import { ProfilerService } from '../../src/profiler/profiler-service.js';
import type { ProfilerTuning } from '../../src/profiler/profiler-options.js';
import { IMAGE_TAGS, SANDBOX_IMAGE } from '../../test/support/images.js';

/** The tests' own tags of the samples (ensureImages builds them). */
export const SYNTHETIC_IMAGE = IMAGE_TAGS.synthetic;
export const NOOP_IMAGE = IMAGE_TAGS.noop;

export const emulated = (model: string, cpus: number): Accelerator => ({
  id: `${model}-0`,
  model,
  memoryMB: 4096,
  emulated: true,
  cpus,
});

/** A one-module app on the synthetic image: `work`, a GPU module costing `costMs` per frame. */
export function calibratedApp(
  name: string,
  digest: string,
  costMs: number,
  accelerator: 'gpu' | 'cpu' = 'gpu',
  extraEnv: Record<string, string> = {},
): RegisteredApp {
  return {
    name,
    image: SYNTHETIC_IMAGE,
    digest,
    registeredAt: 0,
    manifest: parseManifest({
      apiVersion: 'rim/v1',
      name,
      entry: 'work',
      modules: [
        {
          name: 'work',
          command: ['node', '/app/server.js'],
          accelerator,
          env: { COST_MS: String(costMs), ...extraEnv },
        },
      ],
      profile: { sampleInput: '/rim/sample.bin' },
    }),
  };
}

/** True max fps and light-load latency of a synthetic module on a quota of `cpus` cores. */
export const truth = (costMs: number, cpus: number): { maxFps: number; latencyMs: number } => ({
  maxFps: (Math.min(1, cpus) * 1000) / costMs,
  latencyMs: costMs,
});

/**
 * Waits (bounded) until the box's 1-minute load is under `share` of its cores.
 * A calibrated truth holds only on a box that gives the module the CPU it
 * was promised; on a shared 2-core machine other work can take it. Resolves
 * with the load seen, quiet or not: callers assert anyway.
 */
export async function waitForQuietBox(maxWaitMs = 90_000, share = 0.75): Promise<number> {
  const limit = cpus().length * share;
  const until = Date.now() + maxWaitMs;
  while (loadavg()[0]! > limit && Date.now() < until) await new Promise((r) => setTimeout(r, 2000));
  return loadavg()[0]!;
}

export interface Bench {
  engine: DockerContainerEngine;
  store: LowdbStore;
  profiler: ProfilerService;
  nodeId: string;
  close(): Promise<void>;
}

export async function oneBoxProfiler(opts: {
  nodeId: string;
  accelerators: Accelerator[];
  apps: RegisteredApp[];
  tuning?: Partial<ProfilerTuning>;
  logLevel?: string;
}): Promise<Bench> {
  const dir = await mkdtemp(join(tmpdir(), 'rim-prof-'));
  const store = await LowdbStore.open(dir, { clusterName: 'bench' });
  await store.update((doc) => {
    doc.apps = opts.apps;
  });
  // Outside a container: the sandbox runs the offline base image.
  const engine = new DockerContainerEngine({ sandboxImage: SANDBOX_IMAGE }, null);
  const inventory: NodeInventory = { id: opts.nodeId, cpus: 2, memoryMB: 8192, accelerators: opts.accelerators };
  const profiler = new ProfilerService({
    engine,
    store,
    nodeId: opts.nodeId,
    inventory: { get: async () => inventory },
    logger: createLogger({ level: opts.logLevel ?? 'warn' }).child({ component: 'profiler' }),
    schedule: '0 3 * * *',
    ports: { from: 17000, to: 17999 },
    readImageFile: (image, path) => engine.readImageFile(image, path),
    ...(opts.tuning ? { tuning: opts.tuning } : {}),
  });
  return {
    engine,
    store,
    profiler,
    nodeId: opts.nodeId,
    close: async () => {
      await engine.removeSandbox(opts.nodeId);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
