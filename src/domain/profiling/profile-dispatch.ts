/**
 * Where the leader has a profile measured: on a live box that has the
 * target's accelerator model, preferring an accelerator that holds no
 * production replica in the plan (the measurement is then clean), then the
 * box with the fewest tasks already given to it, then by id. When every
 * accelerator of the model holds replicas the measurement is made beside
 * them and marked `shared`. A model no live box has cannot be measured:
 * the task ends `unavailable` with that reason.
 */
import { aliveMembers } from '../membership/member-changes.js';
import type { ClusterDocument, NodeInventory, Plan } from '../types.js';
import { CPU_MODEL } from './profile-key.js';

export type ProfilingTaskState = 'queued' | 'running' | 'done' | 'failed' | 'unavailable';

/** Where a task runs: the box, the accelerator (a GPU or emulated slice; none for `cpu`) and whether it is shared. */
export interface ProfilingSite {
  node: string;
  acceleratorId?: string;
  shared: boolean;
}

export type SiteChoice = ProfilingSite | { unavailable: string };

/** The accelerator models of the live boxes (GPU models, sorted and distinct; `cpu` is implied). */
export function clusterModels(boxes: readonly NodeInventory[]): string[] {
  return [...new Set(boxes.flatMap((b) => b.accelerators.map((a) => a.model)))].sort();
}

/** The boxes to profile on: this one as it is now, and every other live member with an inventory. */
export function liveBoxes(self: NodeInventory, doc: ClusterDocument | undefined): NodeInventory[] {
  const members = doc ? aliveMembers(doc).filter((m) => m.id !== self.id) : [];
  return [self, ...members.flatMap((m) => (m.inventory ? [m.inventory] : []))];
}

/** Accelerator ids ("node/acc") that hold a placed replica in `plan`. */
export function busyAccelerators(plan: Plan | undefined): Set<string> {
  const onGpus = (plan?.placements ?? []).filter((p) => p.accelerator !== CPU_MODEL);
  return new Set(onGpus.map((p) => `${p.node}/${p.accelerator}`));
}

/**
 * The site for a task on `model`. `load` counts the tasks already given to each box in this run;
 * `exclude` names boxes lost during the run.
 */
export function chooseSite(
  model: string,
  boxes: readonly NodeInventory[],
  plan: Plan | undefined,
  load: ReadonlyMap<string, number> = new Map(),
  exclude: ReadonlySet<string> = new Set(),
): SiteChoice {
  const live = boxes.filter((b) => !exclude.has(b.id));
  const byLoad = (a: { node: string }, b: { node: string }): number =>
    (load.get(a.node) ?? 0) - (load.get(b.node) ?? 0) || a.node.localeCompare(b.node);
  if (model === CPU_MODEL) {
    const site = live.map((b) => ({ node: b.id, shared: false })).sort(byLoad)[0];
    return site ?? { unavailable: 'no live box to profile on' };
  }
  const busy = busyAccelerators(plan);
  const sites = live.flatMap((b) =>
    b.accelerators
      .filter((a) => a.model === model)
      .map((a) => ({ node: b.id, acceleratorId: a.id, shared: busy.has(`${b.id}/${a.id}`) })),
  );
  if (!sites.length) return { unavailable: `no live box has accelerator model ${model}` };
  const free = sites.filter((s) => !s.shared);
  const pick = (free.length ? free : sites).sort(byLoad)[0]!;
  return pick;
}

/** Whether a shared measurement can be redone cleanly now: some live accelerator of its model holds no replica. */
export function freeAcceleratorOf(model: string, boxes: readonly NodeInventory[], plan: Plan | undefined): boolean {
  const site = chooseSite(model, boxes, plan);
  return 'node' in site && !site.shared && model !== CPU_MODEL;
}
