/**
 * THE ONE-BOX STAND-IN, not a placement engine: every deployment gets one
 * replica of each module on this box, GPU modules on the first accelerator
 * (real or emulated), CPU modules on `cpu`, at the default variant, with no
 * capacity check. It is an honest placeholder that lets a single appliance
 * run apps before the placement strategies (docs/design.md, "Placement") replace it.
 * The appliance now plans with cluster-planner.ts; this stays for tests that
 * need a plan on one box without profiles.
 */
import type { Deployment, NodeInventory, Placement, Plan, RegisteredApp } from '../types.js';

export function oneBoxPlan(
  node: NodeInventory,
  apps: readonly RegisteredApp[],
  deployments: readonly Deployment[],
): Plan {
  const placements: Placement[] = [];
  const rejected: Plan['rejected'] = [];
  const gpu = node.accelerators[0];
  for (const d of [...deployments].sort((a, b) => a.name.localeCompare(b.name))) {
    const app = apps.find((a) => a.name === d.app);
    if (!app) {
      rejected.push({ deployment: d.name, reason: `app ${d.app} is not registered` });
      continue;
    }
    const needsGpu = app.manifest.modules.filter((m) => m.accelerator === 'gpu');
    if (needsGpu.length && !gpu) {
      const reason = `module ${needsGpu[0]!.name} needs a GPU and ${node.id} has no accelerator (real or emulated)`;
      rejected.push({ deployment: d.name, reason });
      continue;
    }
    for (const m of app.manifest.modules) {
      const accelerator = m.accelerator === 'gpu' ? gpu!.id : 'cpu';
      placements.push({ deployment: d.name, module: m.name, node: node.id, accelerator, fps: d.fps });
    }
  }
  return { strategy: 'one-box', placements, rejected, latencyMs: {}, utilisation: {}, solveMs: 0 };
}
