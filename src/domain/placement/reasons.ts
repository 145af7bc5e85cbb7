/**
 * Rejection reasons a person understands: what the deployment needs against
 * what is free, in the units of the cluster's best accelerator class for the
 * app ("needs 1.4 GPUs of RTX 2080 Ti-class capacity, 0.6 free"), or the rule
 * that stopped it. O(modules · models + slots).
 */
import type { ClusterState, Failure } from './cluster-state.js';
import { CPU, type DeploymentInfo, moduleVariant, type Problem, profileFor } from './problem.js';

const f1 = (x: number): string => (x >= 10 ? x.toFixed(0) : x.toFixed(1));

/**
 * GPUs of `model` one fps of the app's GPU modules needs, with the lightest
 * variants; undefined if a module has no profile there.
 */
export function gpuPerFps(p: Problem, app: string, model: string): number | undefined {
  const info = p.apps.get(app)!;
  let sum = 0;
  for (const m of info.modules) {
    if (!m.gpu) continue;
    let best = Infinity;
    for (const v of m.variants) {
      const pr = profileFor(p, app, m.name, v.name, model);
      if (pr) best = Math.min(best, 1 / pr.maxFps);
    }
    if (best === Infinity) return undefined;
    sum += best;
  }
  return sum;
}

const structuralCache = new WeakMap<Problem, Map<string, string | undefined>>();

/** What is missing before any placement is tried, or undefined. Once per problem and app. */
export function structuralReason(p: Problem, d: DeploymentInfo): string | undefined {
  let cache = structuralCache.get(p);
  if (!cache) {
    cache = new Map();
    structuralCache.set(p, cache);
  }
  if (!cache.has(d.app)) cache.set(d.app, appStructuralReason(p, d.app));
  return cache.get(d.app);
}

function appStructuralReason(p: Problem, name: string): string | undefined {
  const app = p.apps.get(name);
  if (!app) return `app ${name} is not registered`;
  for (const m of app.modules) {
    const models = m.gpu ? p.models.filter((x) => x !== CPU) : [CPU];
    const ok = models.some((model) => m.variants.some((v) => profileFor(p, name, m.name, v.name, model)));
    if (!ok) {
      return m.gpu && models.length === 0
        ? `module ${m.name} needs a GPU and the cluster has none`
        : `no profile for module ${m.name} of ${name} on any ${m.gpu ? 'GPU model' : 'CPU'} in the cluster`;
    }
  }
  return undefined;
}

interface ModuleDemand {
  name: string;
  /** GPU share per fps on its best model (lightest variant), and that model */
  bestPer: number;
  bestModel: string;
  /** The slots it can run on, ascending, and how many best-class GPUs one of them is worth for it. */
  slots: Int32Array;
  ratio: Float64Array;
}

interface AppDemand {
  gpu: ModuleDemand[];
  /** Node cores per fps of the CPU modules (lightest variants). */
  coresPerFps: number;
}

const demandCache = new WeakMap<Problem, Map<string, AppDemand>>();

/** What one fps of an app costs, per GPU module, computed once per problem. O(modules · slots). */
function appDemand(p: Problem, app: string): AppDemand {
  let cache = demandCache.get(p);
  if (!cache) {
    cache = new Map();
    demandCache.set(p, cache);
  }
  let d = cache.get(app);
  if (d) return d;
  const info = p.apps.get(app)!;
  const gpu: ModuleDemand[] = [];
  for (const m of info.modules) {
    if (!m.gpu) continue;
    const fpsOn = new Float64Array(p.slots.length);
    for (const v of m.variants) {
      moduleVariant(p, app, m.index, v.name).bySlot.forEach((pr, i) => {
        if (pr && pr.maxFps > fpsOn[i]!) fpsOn[i] = pr.maxFps;
      });
    }
    let best = 0;
    let bestModel = '';
    fpsOn.forEach((f, i) => {
      if (f > best || (f === best && f > 0 && p.slots[i]!.model < bestModel)) {
        best = f;
        bestModel = p.slots[i]!.model;
      }
    });
    if (best > 0) {
      const slots = Int32Array.from(fpsOn.keys()).filter((i) => fpsOn[i]! / best !== 0);
      gpu.push({
        name: m.name,
        bestPer: 1 / best,
        bestModel,
        slots,
        ratio: Float64Array.from(slots, (i) => fpsOn[i]! / best),
      });
    }
  }
  let coresPerFps = 0;
  for (const m of info.modules) {
    if (m.gpu) continue;
    const pr =
      profileFor(p, app, m.name, m.variants[m.variants.length - 1]!.name, CPU) ??
      profileFor(p, app, m.name, 'default', CPU);
    if (pr) coresPerFps += (pr.cpuCores ?? 0) / pr.maxFps;
  }
  d = { gpu, coresPerFps };
  cache.set(app, d);
  return d;
}

/** Free capacity as capacityReason weighs it, per GPU module of an app, at one state version. */
interface FreeSums {
  version: number;
  /** Per GPU module (AppDemand.gpu order): free share in best-class GPUs, and within the latency caps. */
  free: Float64Array;
  withinCaps: Float64Array;
}

const sumsCache = new WeakMap<ClusterState, Map<string, FreeSums>>();
const coresCache = new WeakMap<ClusterState, { version: number; free: number }>();

/**
 * The sums of free capacity per GPU module of an app, recomputed only when
 * the state changed since the last call (between two placements the greedy
 * pass asks this for many deployments). O(modules · slots it runs on).
 */
function freeSums(state: ClusterState, app: string, dem: AppDemand): FreeSums {
  let byApp = sumsCache.get(state);
  if (!byApp) {
    byApp = new Map();
    sumsCache.set(state, byApp);
  }
  let sums = byApp.get(app);
  if (sums?.version === state.version) return sums;
  sums = {
    version: state.version,
    free: new Float64Array(dem.gpu.length),
    withinCaps: new Float64Array(dem.gpu.length),
  };
  dem.gpu.forEach((m, k) => {
    let free = 0;
    let withinCaps = 0;
    for (let j = 0; j < m.slots.length; j++) {
      const i = m.slots[j]!;
      const r = m.ratio[j]!;
      const room = state.gpuFree(i);
      if (room > 0) free += room * r;
      const capped = Math.min(room, state.cap[i]! - state.gpuLoad[i]!);
      if (capped > 0) withinCaps += capped * r;
    }
    sums.free[k] = free;
    sums.withinCaps[k] = withinCaps;
  });
  byApp.set(app, sums);
  return sums;
}

/** Free cores over the cluster (cached per state version). O(nodes). */
function freeCores(state: ClusterState): number {
  const c = coresCache.get(state);
  if (c?.version === state.version) return c.free;
  let free = 0;
  for (const n of state.p.nodes) free += Math.max(0, state.coresFree(n.index));
  coresCache.set(state, { version: state.version, free });
  return free;
}

/**
 * Demand against free capacity, in GPUs of the best class for each GPU
 * module, and in cores: a necessary condition (each module alone must fit
 * in what is free), so a deployment it rejects cannot be placed. With
 * `withinCaps`, free capacity stops where a tenant's latency target would
 * break (ClusterState.cap), which is all `rim` may use.
 * O(modules · slots + nodes) after a change of the state, O(modules) until the next.
 */
export function capacityReason(state: ClusterState, d: DeploymentInfo, withinCaps = false): string | undefined {
  const dem = appDemand(state.p, d.app);
  const sums = freeSums(state, d.app, dem);
  for (let k = 0; k < dem.gpu.length; k++) {
    const m = dem.gpu[k]!;
    const need = d.fps * m.bestPer;
    const free = withinCaps ? sums.withinCaps[k]! : sums.free[k]!;
    if (need > free + 1e-9) {
      const what = dem.gpu.length > 1 ? ` for module ${m.name}` : '';
      const caveat = withinCaps ? ' without breaking the latency targets of deployments already there' : '';
      return `needs ${f1(need)} GPUs of ${m.bestModel}-class capacity${what}, ${f1(free)} free${caveat}`;
    }
  }
  const cores = d.fps * dem.coresPerFps;
  if (!(cores > 1e-9)) return undefined; // nothing to check: free cores are never negative
  const free = freeCores(state);
  if (cores > free + 1e-9) return `needs ${f1(cores)} CPU cores for its CPU modules, ${f1(free)} free`;
  return undefined;
}

/** The rule that stopped the last placement tried. */
export function failureReason(state: ClusterState, d: DeploymentInfo, f: Failure | undefined): string {
  const p = state.p;
  const app = p.apps.get(d.app)!;
  if (!f) return 'no accelerator can host its modules';
  switch (f.kind) {
    case 'profile':
      return `no profile for module ${app.modules[f.module]!.name} on ${f.model}`;
    case 'gpu':
      return (
        `not enough GPU capacity on any fitting accelerator (best try: ${p.slots[f.slot]!.id} full); ` +
        'capacity is fragmented'
      );
    case 'cores':
      return `not enough CPU cores on ${p.nodes[f.node]!.id} next to its GPU modules`;
    case 'memory':
      return `replicas do not fit the memory of ${p.nodes[f.node]!.id}`;
    case 'gpuMemory':
      return `replicas do not fit the GPU memory of ${p.slots[f.slot]!.id} (${p.slots[f.slot]!.memoryMB} MB)`;
    case 'latency':
      return `the best placement found has a latency estimate of ${f1(f.ms)} ms, over its ${d.latencyMs} ms target`;
    case 'others':
      return `placing it would push ${p.deployments[f.dep]!.name} over its latency target`;
    case 'room':
      return (
        'no accelerator that can run its modules has room left for them ' +
        '(capacity is fragmented or held for latency targets)'
      );
  }
}

export function rejectionReason(state: ClusterState, d: DeploymentInfo, last: Failure | undefined): string {
  return structuralReason(state.p, d) ?? capacityReason(state, d) ?? failureReason(state, d, last);
}
