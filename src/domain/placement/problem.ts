/**
 * The placement problem, normalised once: apps as index-based DAGs, profiles
 * in a lookup map, accelerators as "slots" (one per GPU, plus one CPU pool
 * per node). Every strategy and the validator read this, never the raw files.
 * Building it is O(apps·modules + profiles + nodes·accelerators + deployments).
 */
import type { AppSpec, ClusterSpec, Deployment, NetworkSpec, Plan, Profile } from '../types.js';
import { DEFAULT_VARIANT, topoOrder } from '../manifest.js';

export const CPU = 'cpu';
export const DEFAULT_HEADROOM = 0.1;

export interface VariantInfo {
  /** `default` for the module's own form. */
  name: string;
  quality: number;
}

export interface ModuleInfo {
  name: string;
  index: number;
  gpu: boolean;
  /** Output size (KB): the answer a replica sends back to the box that received the frame. */
  frameKB: number;
  /** Request size (KB): its predecessors' outputs (the entry module: the client's frame, `inputKB`). */
  inKB: number;
  next: number[];
  /** Default first, then lighter variants by quality, highest first. */
  variants: VariantInfo[];
  /** Lazily filled by moduleVariant(). */
  byVariant: Map<string, ModuleVariant>;
}

export interface AppInfo {
  name: string;
  modules: ModuleInfo[];
  /** Module indices in topological order (entry first). */
  topo: number[];
  /** The entry module (topo[0]): the box that receives a frame is taken to be one of its shares' nodes. */
  entry: number;
}

export interface Slot {
  index: number;
  /** Accelerator id, or `cpu` for the node's cores. */
  id: string;
  node: number;
  /** Accelerator model, or `cpu`. */
  model: string;
  gpu: boolean;
  /** GPU memory; 0 for the CPU pool. */
  memoryMB: number;
}

export interface NodeInfo {
  index: number;
  id: string;
  cpus: number;
  memoryMB: number;
  /** Slot index of the node's CPU pool. */
  cpuSlot: number;
  /** Slot indices of the node's GPUs. */
  gpuSlots: number[];
}

export interface DeploymentInfo {
  index: number;
  name: string;
  app: string;
  fps: number;
  latencyMs: number;
  priority: number;
}

export interface Problem {
  apps: Map<string, AppInfo>;
  nodes: NodeInfo[];
  slots: Slot[];
  deployments: DeploymentInfo[];
  /** The default link (config `cluster.network`, or measured). */
  network: NetworkSpec;
  /** links[a][b]: the link between node indices a and b (the default where nothing was measured or set). */
  links: NetworkSpec[][];
  headroom: number;
  /** key: profileKey(app, module, variant, model) */
  profiles: Map<string, Profile>;
  /** Distinct accelerator models present (GPU models, then `cpu`). */
  models: string[];
}

export const variantOf = (v: string | undefined): string => (v === undefined || v === '' ? DEFAULT_VARIANT : v);
export const profileKey = (app: string, module: string, variant: string, model: string): string =>
  `${app}\u0000${module}\u0000${variant}\u0000${model}`;

export function profileFor(
  p: Problem,
  app: string,
  module: string,
  variant: string,
  model: string,
): Profile | undefined {
  return p.profiles.get(profileKey(app, module, variant, model));
}

export interface ModuleVariant {
  /** Stable tag of the replica kind (app, module, variant). */
  tag: string;
  /** The profile on each slot (by slot index), undefined where there is none. */
  bySlot: Array<Profile | undefined>;
}

/**
 * Per (app, module index, variant): profiles by slot, computed once per
 * problem. O(slots) the first time, O(1) after.
 */
export function moduleVariant(p: Problem, app: string, module: number, variant: string): ModuleVariant {
  const mod = p.apps.get(app)!.modules[module]!;
  let mv = mod.byVariant.get(variant);
  if (!mv) {
    // One profile lookup per model, not per slot (large clusters have a few models and many slots).
    const byModel = new Map<string, Profile | undefined>();
    mv = {
      tag: `${app}\u0000${module}\u0000${variant}`,
      bySlot: p.slots.map((s) => {
        if (s.gpu !== mod.gpu) return undefined;
        if (!byModel.has(s.model)) byModel.set(s.model, profileFor(p, app, mod.name, variant, s.model));
        return byModel.get(s.model);
      }),
    };
    mod.byVariant.set(variant, mv);
  }
  return mv;
}

const dagCache = new WeakMap<AppInfo, Array<Profile | undefined>>();

/** The whole-DAG profile on each slot's model (by slot index). */
export function dagProfiles(p: Problem, app: AppInfo): Array<Profile | undefined> {
  let list = dagCache.get(app);
  if (!list) {
    list = p.slots.map((s) => (s.gpu ? dagProfile(p, app.name, s.model) : undefined));
    dagCache.set(app, list);
  }
  return list;
}

/** The whole-DAG (`module: "*"`) profile of an app on a model. */
export function dagProfile(p: Problem, app: string, model: string): Profile | undefined {
  return p.profiles.get(profileKey(app, '*', DEFAULT_VARIANT, model));
}

function appInfo(m: AppSpec): AppInfo {
  const index = new Map(m.modules.map((mod, i) => [mod.name, i]));
  const inKB = m.modules.map(() => 0);
  for (const mod of m.modules) for (const n of new Set(mod.next)) inKB[index.get(n)!]! += mod.frameKB ?? 0;
  const entry = index.get(m.entry) ?? 0;
  inKB[entry] = m.inputKB ?? 0;
  const modules: ModuleInfo[] = m.modules.map((mod, i) => ({
    name: mod.name,
    index: i,
    gpu: mod.accelerator === 'gpu',
    frameKB: mod.frameKB ?? 0,
    inKB: inKB[i]!,
    next: mod.next.map((n) => index.get(n)!),
    variants: [
      { name: DEFAULT_VARIANT, quality: 1 },
      ...[...(mod.variants ?? [])]
        .map((v) => ({ name: v.name, quality: v.quality ?? 0.5 }))
        .sort((a, b) => b.quality - a.quality || a.name.localeCompare(b.name)),
    ],
    byVariant: new Map(),
  }));
  const topo = topoOrder(m).map((mod) => index.get(mod.name)!);
  return { name: m.name, modules, topo, entry: topo[0]! };
}

/** The link matrix by node index: the default everywhere, `links` where given (either way round). */
function linkMatrix(cluster: ClusterSpec): NetworkSpec[][] {
  const at = new Map(cluster.nodes.map((n, i) => [n.id, i]));
  // One default object shared by every pair without a link of its own (read only; 512 nodes: 262,000 pairs).
  const def = { ...cluster.network };
  const m = cluster.nodes.map(() => cluster.nodes.map(() => def));
  for (const l of cluster.links ?? []) {
    const a = at.get(l.a);
    const b = at.get(l.b);
    if (a === undefined || b === undefined || a === b) continue;
    m[a]![b] = m[b]![a] = { bandwidthMbps: l.bandwidthMbps, rttMs: l.rttMs };
  }
  return m;
}

/**
 * A copy of a profile with every field present, in one order: profiles read
 * from files differ in their optional fields, and the planner's inner loops
 * read them millions of times, much faster when all have one shape (V8).
 */
function sameShape(pr: Profile): Profile {
  return {
    app: pr.app,
    module: pr.module,
    variant: pr.variant,
    accelerator: pr.accelerator,
    maxFps: pr.maxFps,
    latencyMs: pr.latencyMs,
    cpuCores: pr.cpuCores,
    memoryMB: pr.memoryMB,
    gpuMemoryMB: pr.gpuMemoryMB,
  };
}

/** Builds the problem. Inputs are assumed schema-valid (plan-files.ts checks files). */
export function buildProblem(
  cluster: ClusterSpec,
  apps: AppSpec[],
  profiles: Profile[],
  deployments: Deployment[],
  headroom = DEFAULT_HEADROOM,
): Problem {
  const slots: Slot[] = [];
  const nodes: NodeInfo[] = cluster.nodes.map((n, ni) => {
    const cpuSlot = slots.length;
    slots.push({ index: cpuSlot, id: CPU, node: ni, model: CPU, gpu: false, memoryMB: 0 });
    const gpuSlots = n.accelerators.map((a) => {
      const s: Slot = { index: slots.length, id: a.id, node: ni, model: a.model, gpu: true, memoryMB: a.memoryMB };
      slots.push(s);
      return s.index;
    });
    return { index: ni, id: n.id, cpus: n.cpus, memoryMB: n.memoryMB, cpuSlot, gpuSlots };
  });
  const profileMap = new Map<string, Profile>();
  for (const pr of profiles) {
    if (!(pr.maxFps > 0)) continue; // a profile that sustains nothing cannot host anything
    profileMap.set(profileKey(pr.app, pr.module, variantOf(pr.variant), pr.accelerator), sameShape(pr));
  }
  const models = [...new Set(slots.filter((s) => s.gpu).map((s) => s.model))].sort();
  models.push(CPU);
  return {
    apps: new Map(apps.map((a) => [a.name, appInfo(a)])),
    nodes,
    slots,
    deployments: deployments.map((d, i) => ({
      index: i,
      name: d.name,
      app: d.app,
      fps: d.fps,
      latencyMs: d.latencyMs,
      priority: d.priority ?? 0,
    })),
    network: { ...cluster.network },
    links: linkMatrix(cluster),
    headroom,
    profiles: profileMap,
    models,
  };
}

/**
 * The previous plan as the strategies may read it: rows whose replica has no
 * profile on its slot's model now (the stand-in put it there, or its profile
 * failed or went stale) are dropped, so the deployment is re-placed as if
 * that replica had moved; a strategy never sizes a replica it has no profile
 * for. O(placements).
 */
export function profiledPlan(p: Problem, plan: Plan): Plan {
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const deps = new Map(p.deployments.map((d) => [d.name, d]));
  const profiled = (pl: Plan['placements'][number]): boolean => {
    const d = deps.get(pl.deployment);
    const n = nodes.get(pl.node);
    const mod = d && p.apps.get(d.app)?.modules.find((m) => m.name === pl.module);
    if (!d || !n || !mod) return true; // unresolved rows are the strategies' to count as lost
    const slot =
      pl.accelerator === CPU
        ? p.slots[n.cpuSlot]
        : n.gpuSlots.map((g) => p.slots[g]!).find((s) => s.id === pl.accelerator);
    if (!slot) return true;
    return slot.gpu === mod.gpu && !!profileFor(p, d.app, mod.name, variantOf(pl.variant), slot.model);
  };
  const placements = plan.placements.filter(profiled);
  return placements.length === plan.placements.length ? plan : { ...plan, placements };
}

/** Priority first (higher first); ties keep file order. O(d log d). */
export function byPriority(p: Problem): DeploymentInfo[] {
  return [...p.deployments].sort((a, b) => b.priority - a.priority || a.index - b.index);
}

/** ms to move `kb` over a link and wait one round trip (KB·8 / Mbps = ms). */
export function transferMs(link: NetworkSpec, kb: number): number {
  return (kb * 8) / link.bandwidthMbps + link.rttMs;
}

/** ms a frame of `kb` costs over the default link (a heuristic's yardstick, not the estimate). */
export function edgeCostMs(p: Problem, kb: number): number {
  return transferMs(p.network, kb);
}

/**
 * What the router adds for a module whose replica is on node `at` when the
 * frame arrived at node `entry` (docs/design.md, "Latency estimate"): every
 * call goes out from the box that received the frame and back to it, so the
 * request (the module's input) and the answer (its output) cross that link,
 * plus one round trip. 0 on the entry box itself.
 */
export function hopCostMs(p: Problem, mod: ModuleInfo, entry: number, at: number): number {
  return entry === at ? 0 : transferMs(p.links[entry]![at]!, mod.inKB + mod.frameKB);
}

const distinctLinkCache = new WeakMap<Problem, NetworkSpec[]>();

/**
 * The different links between distinct nodes (by bandwidth and RTT): the default, and those set apart from it.
 * One O(N²) scan per problem; the list is short (one entry on a cluster without `links`).
 */
function distinctLinks(p: Problem): NetworkSpec[] {
  let out = distinctLinkCache.get(p);
  if (out) return out;
  out = [];
  for (let a = 0; a < p.nodes.length; a++) {
    const row = p.links[a]!;
    for (let b = 0; b < p.nodes.length; b++) {
      const l = row[b]!;
      if (a !== b && !out.some((x) => x.bandwidthMbps === l.bandwidthMbps && x.rttMs === l.rttMs)) out.push(l);
    }
  }
  distinctLinkCache.set(p, out);
  return out;
}

/**
 * The most `hopCostMs` can be for a module, over every pair of distinct nodes (0 with one node): over the
 * problem's distinct links, not every pair (512 nodes: 262,000 pairs per module were a tenth of a plan).
 */
export function worstHopCostMs(p: Problem, mod: ModuleInfo): number {
  let worst = 0;
  for (const l of distinctLinks(p)) worst = Math.max(worst, transferMs(l, mod.inKB + mod.frameKB));
  return worst;
}
