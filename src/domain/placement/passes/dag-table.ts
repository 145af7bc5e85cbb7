/**
 * What the whole-DAG ranking (candidate-nodes.ts) reads per GPU, laid out
 * once per (problem, app, variant level) in typed arrays: only the GPUs
 * that run every GPU module of the app, grouped by node, with the modules'
 * maxFps, their summed latencyMs and the whole-DAG ("*") profile's maxFps.
 * The ranking then walks these arrays instead of looking profiles up per
 * GPU and per deployment. Built in O(slots · modules); the plan is the same
 * as walking every node (nodes without such a GPU were never ranked).
 */
import { type AppInfo, dagProfiles, moduleVariant, type Problem } from '../problem.js';

export interface DagTable {
  problem: Problem;
  app: string;
  /** GPU modules of the app (in module order); 0 for an app of CPU modules only. */
  mods: number;
  /** Nodes with at least one GPU that runs every GPU module, ascending. */
  nodes: Int32Array;
  /** The GPUs of nodes[i] are entries start[i] … start[i + 1] − 1. */
  start: Int32Array;
  /** Per entry: the GPU's slot index. */
  slot: Int32Array;
  /** Per entry and GPU module k: maxFps at fps[entry · mods + k]. */
  fps: Float64Array;
  /** Per entry: the GPU modules' latencyMs, summed in module order. */
  lat: Float64Array;
  /** Per entry: the whole-DAG profile's maxFps (0: none, or a demoted variant level). */
  star: Float64Array;
  /** GPU share per fps the DAG needs at least on any of these GPUs: Σ over GPU modules of 1 / their best maxFps. */
  minSharePerFps: number;
}

const cache = new WeakMap<Problem, Map<string, DagTable>>();
/** By the variant level's array itself (variantLevels shares them): no key string to build per call. */
const byArray = new WeakMap<readonly string[], DagTable>();

/** The table of an app at a variant level (one variant per module), built on first use. */
export function dagTable(p: Problem, app: AppInfo, variants: readonly string[]): DagTable {
  const known = byArray.get(variants);
  if (known?.problem === p && known.app === app.name) return known;
  let byKey = cache.get(p);
  if (!byKey) {
    byKey = new Map();
    cache.set(p, byKey);
  }
  const key = `${app.name}\u0000${variants.join('\u0000')}`;
  let t = byKey.get(key);
  if (!t) {
    t = build(p, app, variants);
    byKey.set(key, t);
  }
  byArray.set(variants, t);
  return t;
}

function build(p: Problem, app: AppInfo, variants: readonly string[]): DagTable {
  const gpuMods = app.modules
    .filter((m) => m.gpu)
    .map((m) => moduleVariant(p, app.name, m.index, variants[m.index]!).bySlot);
  const stars = variants.every((v) => v === 'default') ? dagProfiles(p, app) : undefined;
  const nodes: number[] = [];
  const start: number[] = [0];
  const slot: number[] = [];
  const fps: number[] = [];
  const lat: number[] = [];
  const star: number[] = [];
  for (const n of gpuMods.length ? p.nodes : []) {
    for (const g of n.gpuSlots) {
      if (!gpuMods.every((by) => by[g])) continue;
      let sum = 0;
      for (const by of gpuMods) {
        fps.push(by[g]!.maxFps);
        sum += by[g]!.latencyMs;
      }
      slot.push(g);
      lat.push(sum);
      star.push(stars?.[g]?.maxFps ?? 0);
    }
    if (slot.length > start[start.length - 1]!) {
      nodes.push(n.index);
      start.push(slot.length);
    }
  }
  let minSharePerFps = 0;
  for (let k = 0; k < gpuMods.length; k++) {
    let best = 0;
    for (let j = k; j < fps.length; j += gpuMods.length) best = Math.max(best, fps[j]!);
    if (best > 0) minSharePerFps += 1 / best;
  }
  return {
    problem: p,
    app: app.name,
    minSharePerFps,
    mods: gpuMods.length,
    nodes: Int32Array.from(nodes),
    start: Int32Array.from(start),
    slot: Int32Array.from(slot),
    fps: Float64Array.from(fps),
    lat: Float64Array.from(lat),
    star: Float64Array.from(star),
  };
}
