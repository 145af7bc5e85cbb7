/**
 * THE STAND-IN cluster planner, for deployments the placement engine cannot
 * size yet (their app's profiles are not all measured): each deployment
 * runs whole (every module) on one live node, the node with the fewest
 * deployments that has an accelerator when a module needs one. A deployment
 * whose previous placements still resolve (every node alive, every
 * accelerator still there, every module covered) keeps them as they are,
 * wherever they came from: nothing moves needlessly, and a deployment that
 * ran stays running while its app is (re-)profiled. No capacity check: it
 * is not placement.
 */
import type { ClusterDocument, ModuleSpec, NodeInventory, Placement, Plan } from '../types.js';

/** The previous rows of a deployment, if they all still resolve on `nodes`, scaled to `fps` per module. */
export function keptPlacements(
  before: readonly Placement[],
  modules: readonly ModuleSpec[],
  nodes: readonly NodeInventory[],
  fps: number,
): Placement[] | undefined {
  if (!before.length) return undefined;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const p of before) {
    const mod = modules.find((m) => m.name === p.module);
    const node = byId.get(p.node);
    if (!mod || !node) return undefined;
    const fits =
      mod.accelerator === 'gpu' ? node.accelerators.some((a) => a.id === p.accelerator) : p.accelerator === 'cpu';
    if (!fits) return undefined;
  }
  const kept: Placement[] = [];
  for (const m of modules) {
    const rows = before.filter((p) => p.module === m.name);
    const sum = rows.reduce((a, p) => a + p.fps, 0);
    if (!rows.length || !(sum > 0)) return undefined;
    for (const p of rows) kept.push({ ...p, fps: Math.abs(sum - fps) < 1e-9 ? p.fps : (p.fps * fps) / sum });
  }
  return kept;
}

export function standInPlan(doc: ClusterDocument, nodes: NodeInventory[], previous: Plan | undefined): Plan {
  const placements: Placement[] = [];
  const rejected: Plan['rejected'] = [];
  const load = new Map(nodes.map((n) => [n.id, 0]));
  let moves = 0;
  for (const d of [...doc.deployments].sort((a, b) => a.name.localeCompare(b.name))) {
    const app = doc.apps.find((a) => a.name === d.app);
    if (!app) {
      rejected.push({ deployment: d.name, reason: `app ${d.app} is not registered` });
      continue;
    }
    const gpuModule = app.manifest.modules.find((m) => m.accelerator === 'gpu');
    const before = previous?.placements.filter((p) => p.deployment === d.name) ?? [];
    const kept = keptPlacements(before, app.manifest.modules, nodes, d.fps);
    if (kept) {
      placements.push(...kept);
      for (const id of new Set(kept.map((p) => p.node))) load.set(id, load.get(id)! + 1);
      continue;
    }
    const candidates = nodes
      .filter((n) => !gpuModule || n.accelerators.length > 0)
      .sort((a, b) => load.get(a.id)! - load.get(b.id)! || a.id.localeCompare(b.id));
    const node = candidates[0];
    if (!node) {
      const reason = !nodes.length
        ? 'no live node to run it on'
        : `module ${gpuModule!.name} needs a GPU and no live node has one (real or emulated)`;
      rejected.push({ deployment: d.name, reason });
      continue;
    }
    if (before.length) moves++;
    load.set(node.id, load.get(node.id)! + 1);
    for (const m of app.manifest.modules) {
      const accelerator = m.accelerator === 'gpu' ? node.accelerators[0]!.id : 'cpu';
      placements.push({ deployment: d.name, module: m.name, node: node.id, accelerator, fps: d.fps });
    }
  }
  return { strategy: 'stand-in', placements, rejected, latencyMs: {}, utilisation: {}, solveMs: 0, moves };
}
