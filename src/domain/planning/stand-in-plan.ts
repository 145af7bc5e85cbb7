/**
 * THE STAND-IN cluster planner, used only when the placement engine is not
 * passed in: each deployment runs whole (every module) on one live node,
 * the node with the fewest deployments that has an accelerator when a
 * module needs one; a deployment whose node is still alive stays where it
 * is (nothing moves needlessly). No capacity check: it is not placement.
 */
import type { ClusterDocument, NodeInventory, Placement, Plan } from '../types.js';

export function standInPlan(doc: ClusterDocument, nodes: NodeInventory[], previous: Plan | undefined): Plan {
  const placements: Placement[] = [];
  const rejected: Plan['rejected'] = [];
  const load = new Map(nodes.map((n) => [n.id, 0]));
  const alive = new Set(nodes.map((n) => n.id));
  let moves = 0;
  for (const d of [...doc.deployments].sort((a, b) => a.name.localeCompare(b.name))) {
    const app = doc.apps.find((a) => a.name === d.app);
    if (!app) {
      rejected.push({ deployment: d.name, reason: `app ${d.app} is not registered` });
      continue;
    }
    const gpuModule = app.manifest.modules.find((m) => m.accelerator === 'gpu');
    const needsGpu = gpuModule !== undefined;
    const before = previous?.placements.filter((p) => p.deployment === d.name) ?? [];
    const kept = before.length > 0 && before.every((p) => alive.has(p.node)) ? before[0]!.node : undefined;
    const candidates = nodes
      .filter((n) => !needsGpu || n.accelerators.length > 0)
      .sort((a, b) => load.get(a.id)! - load.get(b.id)! || a.id.localeCompare(b.id));
    const node = kept ? nodes.find((n) => n.id === kept)! : candidates[0];
    if (!node) {
      rejected.push({
        deployment: d.name,
        reason: gpuModule
          ? `module ${gpuModule.name} needs a GPU and no live node has one (real or emulated)`
          : 'no live node',
      });
      continue;
    }
    if (!kept && before.length) moves++;
    load.set(node.id, load.get(node.id)! + 1);
    for (const m of app.manifest.modules) {
      placements.push({
        deployment: d.name,
        module: m.name,
        node: node.id,
        accelerator: m.accelerator === 'gpu' ? node.accelerators[0]!.id : 'cpu',
        fps: d.fps,
      });
    }
  }
  return { strategy: 'stand-in', placements, rejected, latencyMs: {}, utilisation: {}, solveMs: 0, moves };
}
