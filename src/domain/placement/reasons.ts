/**
 * Rejection reasons a person understands: what the deployment needs against
 * what is free, in the units of the cluster's best accelerator class for the
 * app ("needs 1.4 GPUs of RTX 2080 Ti-class capacity, 0.6 free"), or the rule
 * that stopped it. O(modules · models + slots).
 */
import type { ClusterState, Failure } from './cluster-state.js';
import { CPU, type DeploymentInfo, type Problem, profileFor } from './problem.js';

const f1 = (x: number): string => (x >= 10 ? x.toFixed(0) : x.toFixed(1));

/** GPUs of `model` one fps of the app's GPU modules needs, with the lightest variants; undefined if a module has no profile there. */
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

/** What is missing before any placement is tried, or undefined. */
export function structuralReason(p: Problem, d: DeploymentInfo): string | undefined {
  const app = p.apps.get(d.app);
  if (!app) return `app ${d.app} is not registered`;
  for (const m of app.modules) {
    const models = m.gpu ? p.models.filter((x) => x !== CPU) : [CPU];
    const ok = models.some((model) => m.variants.some((v) => profileFor(p, d.app, m.name, v.name, model)));
    if (!ok) {
      return m.gpu && models.length === 0
        ? `module ${m.name} needs a GPU and the cluster has none`
        : `no profile for module ${m.name} of ${d.app} on any ${m.gpu ? 'GPU model' : 'CPU'} in the cluster`;
    }
  }
  return undefined;
}

/**
 * Demand against free capacity, in GPUs of the app's best class (and cores).
 * With `withinCaps`, free capacity stops where a tenant's latency target
 * would break (ClusterState.cap), which is all `rim` may use.
 */
export function capacityReason(state: ClusterState, d: DeploymentInfo, withinCaps = false): string | undefined {
  const p = state.p;
  const app = p.apps.get(d.app)!;
  const perFps = new Map<string, number>();
  for (const model of p.models) {
    if (model === CPU) continue;
    const g = gpuPerFps(p, d.app, model);
    if (g !== undefined) perFps.set(model, g);
  }
  if (app.modules.some((m) => m.gpu) && perFps.size) {
    const [bestModel, bestPer] = [...perFps].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))[0]!;
    const need = d.fps * bestPer;
    let free = 0;
    for (const s of p.slots) {
      const per = s.gpu ? perFps.get(s.model) : undefined;
      const room = withinCaps ? Math.min(state.gpuFree(s.index), state.cap[s.index]! - state.gpuLoad[s.index]!) : state.gpuFree(s.index);
      if (per !== undefined) free += Math.max(0, room) * (bestPer / per);
    }
    if (need > free) {
      return `needs ${f1(need)} GPUs of ${bestModel}-class capacity, ${f1(free)} free${withinCaps ? ' without breaking the latency targets of deployments already there' : ''}`;
    }
  }
  let cores = 0;
  for (const m of app.modules) {
    if (m.gpu) continue;
    const pr = profileFor(p, d.app, m.name, m.variants[m.variants.length - 1]!.name, CPU) ?? profileFor(p, d.app, m.name, 'default', CPU);
    if (pr) cores += (pr.cpuCores ?? 0) * d.fps / pr.maxFps;
  }
  const freeCores = p.nodes.reduce((a, n) => a + Math.max(0, state.coresFree(n.index)), 0);
  if (cores > freeCores) return `needs ${f1(cores)} CPU cores for its CPU modules, ${f1(freeCores)} free`;
  return undefined;
}

/** The rule that stopped the last placement tried. */
export function failureReason(state: ClusterState, d: DeploymentInfo, f: Failure | undefined): string {
  const p = state.p;
  const app = p.apps.get(d.app)!;
  if (!f) return 'no accelerator can host its modules';
  switch (f.kind) {
    case 'profile': return `no profile for module ${app.modules[f.module]!.name} on ${f.model}`;
    case 'gpu': return `not enough GPU capacity on any fitting accelerator (best try: ${p.slots[f.slot]!.id} full); capacity is fragmented`;
    case 'cores': return `not enough CPU cores on ${p.nodes[f.node]!.id} next to its GPU modules`;
    case 'memory': return `replicas do not fit the memory of ${p.nodes[f.node]!.id}`;
    case 'gpuMemory': return `replicas do not fit the GPU memory of ${p.slots[f.slot]!.id} (${p.slots[f.slot]!.memoryMB} MB)`;
    case 'latency': return `latency estimate ${f1(f.ms)} ms over its ${d.latencyMs} ms target wherever it fits`;
    case 'others': return `placing it would push ${p.deployments[f.dep]!.name} over its latency target`;
  }
}

export function rejectionReason(state: ClusterState, d: DeploymentInfo, last: Failure | undefined): string {
  return structuralReason(state.p, d) ?? capacityReason(state, d) ?? failureReason(state, d, last);
}
