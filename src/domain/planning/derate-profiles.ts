/**
 * The planner's inputs with measured capacity factors applied
 * (capacity-factors.ts). Profiles are per accelerator model, and a factor is
 * per accelerator of one box: each derated accelerator is given a model of
 * its own (`<model>@<node>/<accelerator>`), with a copy of every profile of
 * its model, a derated module's `maxFps` times its factor (a whole-DAG `*`
 * profile times the lowest factor of its app there). The planner then
 * places less on that accelerator and nothing else changes: placements name
 * nodes and accelerator ids, never models. A factor on a node's cores
 * (`cpu`) is not applied: CPU profiles are one model for every box. Pure.
 */
import type { NodeInventory } from '../types.js';
import type { CapacityFactors } from './capacity-factors.js';

export const deratedModel = (model: string, node: string, accelerator: string): string =>
  `${model}@${node}/${accelerator}`;

export function derated<P extends { app: string; module: string; accelerator: string; maxFps: number }>(
  nodes: readonly NodeInventory[],
  profiles: readonly P[],
  factors: CapacityFactors,
): { nodes: NodeInventory[]; profiles: P[] } {
  if (!factors.size) return { nodes: [...nodes], profiles: [...profiles] };
  /** Factors by "node/accelerator", then by "app\0module". */
  const bySlot = new Map<string, Map<string, number>>();
  for (const f of factors.values()) {
    if (f.accelerator === 'cpu' || !(f.factor > 0 && f.factor < 1)) continue;
    const at = `${f.node}/${f.accelerator}`;
    if (!bySlot.has(at)) bySlot.set(at, new Map());
    bySlot.get(at)!.set(`${f.app}\u0000${f.module}`, f.factor);
  }
  const extra: P[] = [];
  const out = nodes.map((n) => {
    let changed = false;
    const accelerators = n.accelerators.map((a) => {
      const fs = bySlot.get(`${n.id}/${a.id}`);
      if (!fs) return a;
      changed = true;
      const model = deratedModel(a.model, n.id, a.id);
      for (const p of profiles) {
        if (p.accelerator !== a.model) continue;
        const f = p.module === '*' ? lowestOf(fs, p.app) : (fs.get(`${p.app}\u0000${p.module}`) ?? 1);
        extra.push({ ...p, accelerator: model, maxFps: p.maxFps * f });
      }
      return { ...a, model };
    });
    return changed ? { ...n, accelerators } : n;
  });
  return { nodes: out, profiles: [...profiles, ...extra] };
}

function lowestOf(fs: ReadonlyMap<string, number>, app: string): number {
  let low = 1;
  for (const [k, f] of fs) if (k.startsWith(`${app}\u0000`)) low = Math.min(low, f);
  return low;
}
