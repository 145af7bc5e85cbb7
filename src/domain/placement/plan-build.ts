/**
 * Turns a filled ClusterState into docs/design.md's plan shape, and reads a plan
 * back into shares (for re-planning and the validator). Placements come out
 * in a stable order (deployment file order, manifest module order, slot), so
 * the same state always prints the same JSON. O(shares log shares).
 */
import { DEFAULT_VARIANT } from '../manifest.js';
import type { Placement, Plan, Rejection } from '../types.js';
import type { ClusterState } from './cluster-state.js';
import type { Share } from './latency.js';
import { CPU, type Problem, variantOf } from './problem.js';
import { coresKey, utilisationKey } from './utilisation-key.js';

const round = (x: number, digits = 3): number => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

export function toPlacement(p: Problem, s: Share): Placement {
  const d = p.deployments[s.dep]!;
  const slot = p.slots[s.slot]!;
  const pl: Placement = {
    deployment: d.name,
    module: p.apps.get(d.app)!.modules[s.module]!.name,
    node: p.nodes[slot.node]!.id,
    accelerator: slot.gpu ? slot.id : CPU,
    fps: s.fps,
  };
  if (s.variant !== DEFAULT_VARIANT) pl.variant = s.variant;
  return pl;
}

/** What a strategy may add to the plan's common fields. */
export type PlanExtras = Pick<Plan, 'moves' | 'replan' | 'status' | 'gap' | 'solverGap'>;

export function buildPlan(
  strategy: string,
  state: ClusterState,
  reasons: Map<number, string>,
  extras: PlanExtras = {},
): Plan {
  const p = state.p;
  const placements: Placement[] = [];
  const rejected: Rejection[] = [];
  const latencyMs: Record<string, number> = {};
  for (const d of p.deployments) {
    const shares = state.shares[d.index]!;
    if (!shares.length) {
      rejected.push({ deployment: d.name, reason: reasons.get(d.index) ?? 'not placed' });
      continue;
    }
    const sorted = [...shares].sort(
      (a, b) => a.module - b.module || a.slot - b.slot || a.variant.localeCompare(b.variant),
    );
    for (const s of sorted) placements.push(toPlacement(p, s));
    latencyMs[d.name] = round(state.latencyOf(d.index));
  }
  const utilisation: Record<string, number> = {};
  for (const n of p.nodes) {
    for (const g of n.gpuSlots) utilisation[utilisationKey(n.id, p.slots[g]!.id)] = round(state.gpuLoad[g]!, 4);
    utilisation[coresKey(n.id)] = round(state.util(n.cpuSlot), 4);
  }
  return { strategy, placements, rejected, latencyMs, utilisation, solveMs: 0, ...extras };
}

/**
 * Reads a plan's placements back as shares of this problem; rows that no
 * longer resolve (a lost node, an unknown deployment or module) are dropped
 * and counted in `lost`, per deployment index.
 */
export function sharesFromPlan(p: Problem, plan: Plan): { shares: Share[][]; lost: Set<number> } {
  const depIndex = new Map(p.deployments.map((d) => [d.name, d.index]));
  const slotIndex = new Map<string, number>();
  for (const n of p.nodes) {
    slotIndex.set(`${n.id}\u0000${CPU}`, n.cpuSlot);
    for (const g of n.gpuSlots) slotIndex.set(`${n.id}\u0000${p.slots[g]!.id}`, g);
  }
  const shares: Share[][] = p.deployments.map(() => []);
  const lost = new Set<number>();
  for (const pl of plan.placements) {
    const dep = depIndex.get(pl.deployment);
    if (dep === undefined) continue;
    const app = p.apps.get(p.deployments[dep]!.app);
    const module = app?.modules.findIndex((m) => m.name === pl.module) ?? -1;
    const slot = slotIndex.get(`${pl.node}\u0000${pl.accelerator}`);
    if (module < 0 || slot === undefined) {
      lost.add(dep);
      continue;
    }
    shares[dep]!.push({ dep, module, variant: variantOf(pl.variant), slot, fps: pl.fps });
  }
  return { shares, lost };
}

const rowKey = (pl: Placement): string =>
  `${pl.deployment}\u0000${pl.module}\u0000${variantOf(pl.variant)}\u0000${pl.node}\u0000${pl.accelerator}`;

/**
 * Replicas moved: rows of the previous plan (deployment, module, variant,
 * node, accelerator) of a deployment admitted in both plans that the new
 * plan no longer has. A row on a lost node counts too (it had to move).
 */
export function countMoves(previous: Plan, next: Plan): number {
  const admitted = new Set(next.placements.map((pl) => pl.deployment));
  const now = new Set(next.placements.map(rowKey));
  return previous.placements.filter((pl) => admitted.has(pl.deployment) && !now.has(rowKey(pl))).length;
}
