/**
 * A seeded workload generator: clusters of any size and node mix, and
 * deployment streams of any offered fps, over a catalogue of apps and
 * profiles (the paper testbed's by default, passed in). Same seed, same
 * workload. Pure: no clock, no I/O.
 */
import type { ClusterSpec, Deployment, NodeInventory, Profile } from '../types.js';

/** mulberry32: a small, fast, seeded PRNG (uniform in [0, 1)). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;

export interface NodeType {
  /** relative frequency in the mix */
  weight: number;
  cpus: number;
  memoryMB: number;
  gpus: Array<{ model: string; memoryMB: number }>;
}

/** Node types after the paper's testbed (Table 2 of Hu et al.), plus CPU-only boxes. */
export const PAPER_NODE_TYPES: NodeType[] = [
  {
    weight: 2,
    cpus: 12,
    memoryMB: 32768,
    gpus: [
      { model: 'RTX 2080 Ti', memoryMB: 11264 },
      { model: 'RTX 2080 Ti', memoryMB: 11264 },
    ],
  },
  {
    weight: 1,
    cpus: 16,
    memoryMB: 32768,
    gpus: [
      { model: 'RTX 2080', memoryMB: 8192 },
      { model: 'RTX 2080', memoryMB: 8192 },
    ],
  },
  {
    weight: 1,
    cpus: 12,
    memoryMB: 65536,
    gpus: [
      { model: 'GTX 1080 Ti', memoryMB: 11264 },
      { model: 'GTX 1080 Ti', memoryMB: 11264 },
    ],
  },
  { weight: 1, cpus: 12, memoryMB: 65536, gpus: [{ model: 'GTX 1080 Ti', memoryMB: 11264 }] },
  {
    weight: 1,
    cpus: 12,
    memoryMB: 32768,
    gpus: [
      { model: 'GTX 1080', memoryMB: 8192 },
      { model: 'GTX 1080', memoryMB: 8192 },
    ],
  },
  {
    weight: 1,
    cpus: 8,
    memoryMB: 32768,
    gpus: [
      { model: 'TITAN Xp', memoryMB: 12288 },
      { model: 'GTX TITAN X', memoryMB: 12288 },
    ],
  },
  { weight: 1, cpus: 8, memoryMB: 32768, gpus: [{ model: 'GTX TITAN', memoryMB: 6144 }] },
  { weight: 1, cpus: 16, memoryMB: 32768, gpus: [] },
];

export const CPU_ONLY_TYPES: NodeType[] = [
  { weight: 1, cpus: 8, memoryMB: 16384, gpus: [] },
  { weight: 1, cpus: 32, memoryMB: 65536, gpus: [] },
];

function weighted<T extends { weight: number }>(r: () => number, list: readonly T[]): T {
  const total = list.reduce((a, x) => a + x.weight, 0);
  let x = r() * total;
  for (const t of list) {
    x -= t.weight;
    if (x < 0) return t;
  }
  return list[list.length - 1]!;
}

export function generateCluster(opts: {
  nodes: number;
  seed: number;
  types?: NodeType[];
  network?: ClusterSpec['network'];
}): ClusterSpec {
  const r = rng(opts.seed);
  const types = opts.types ?? PAPER_NODE_TYPES;
  const nodes: NodeInventory[] = [];
  for (let i = 0; i < opts.nodes; i++) {
    const t = weighted(r, types);
    const id = `g${i + 1}`;
    nodes.push({
      id,
      cpus: t.cpus,
      memoryMB: t.memoryMB,
      accelerators: t.gpus.map((g, j) => ({ id: `${id}-gpu${j}`, model: g.model, memoryMB: g.memoryMB })),
    });
  }
  return { nodes, network: opts.network ?? { bandwidthMbps: 1000, rttMs: 0.5 } };
}

export interface StreamShape {
  /** app → relative weight */
  apps: Map<string, number>;
  fps: readonly number[];
  latencyMs: readonly number[];
  priorities: readonly number[];
}

/** The shape of the paper testbed's deployment file: its app mix (by fps), fps, targets, priorities. */
export function shapeOf(deployments: readonly Deployment[]): StreamShape {
  const apps = new Map<string, number>();
  for (const d of deployments) apps.set(d.app, (apps.get(d.app) ?? 0) + d.fps);
  return {
    apps,
    fps: deployments.map((d) => d.fps),
    latencyMs: deployments.map((d) => d.latencyMs),
    priorities: deployments.map((d) => d.priority ?? 0),
  };
}

/**
 * Deployments drawn from `shape` until their fps reach `totalFps` (or there are `count`). Apps are
 * drawn by fps weight (so the offered mix matches the shape's), fps, target
 * and priority independently from the shape's lists.
 */
export function generateDeployments(opts: {
  shape: StreamShape;
  totalFps: number;
  seed: number;
  prefix?: string;
  count?: number;
}): Deployment[] {
  const r = rng(opts.seed);
  const apps = [...opts.shape.apps].map(([app, weight]) => ({ app, weight }));
  const out: Deployment[] = [];
  let sum = 0;
  while (sum < opts.totalFps - 1e-9 && apps.length && out.length < (opts.count ?? Infinity)) {
    const { app } = weighted(r, apps);
    const fps = pick(r, opts.shape.fps);
    out.push({
      name: `${opts.prefix ?? 'd'}${out.length}-${app}`,
      app,
      fps,
      latencyMs: pick(r, opts.shape.latencyMs),
      priority: pick(r, opts.shape.priorities),
    });
    sum += fps;
  }
  return out;
}

/** The file's own deployments, cycled (copies renamed `name~k`) until their fps reach `totalFps`. */
export function cycleDeployments(base: readonly Deployment[], totalFps: number): Deployment[] {
  const out: Deployment[] = [];
  let sum = 0;
  for (let i = 0; sum < totalFps - 1e-9 && base.length; i++) {
    const d = base[i % base.length]!;
    const k = Math.floor(i / base.length);
    out.push({ ...d, name: k ? `${d.name}~${k}` : d.name });
    sum += d.fps;
  }
  return out;
}

/** Drops every profile of one app module (the "profiles missing for a model" case). */
export function withoutProfiles(profiles: readonly Profile[], app: string, module: string, model?: string): Profile[] {
  return profiles.filter(
    (p) => !(p.app === app && p.module === module && (model === undefined || p.accelerator === model)),
  );
}
