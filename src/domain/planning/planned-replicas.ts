/**
 * The replicas a plan runs, by replica name, with what the capacity measures
 * need of each (capacity-trigger.ts, capacity-factors.ts): where it runs,
 * its planned fps (the sum of its placements), its share of the accelerator
 * at the factor planned with (planned / (factor × profile fps); unknown
 * without a profile or a known model) and the accelerator's fraction the
 * plan left free (1 − its `utilisation`). Pure.
 */
import { DEFAULT_VARIANT } from '../manifest.js';
import { utilisationKey } from '../placement/utilisation-key.js';
import { replicaName } from '../replica-spec.js';
import type { ClusterDocument } from '../types.js';
import { slotKey, type CapacityFactors, type CapacitySlot } from './capacity-factors.js';

export interface PlannedReplica {
  slot: CapacitySlot;
  variant: string;
  fps: number;
  share?: number;
  spare: number;
}

type Doc = Pick<ClusterDocument, 'plan' | 'deployments'> & Partial<Pick<ClusterDocument, 'members' | 'profiles'>>;

export function plannedReplicas(doc: Doc, factors: CapacityFactors = new Map()): Map<string, PlannedReplica> {
  const appOf = new Map(doc.deployments.map((d) => [d.name, d.app]));
  const out = new Map<string, PlannedReplica>();
  const plan = doc.plan;
  for (const p of plan?.placements ?? []) {
    const app = appOf.get(p.deployment);
    if (!app) continue;
    const variant = p.variant ?? DEFAULT_VARIANT;
    const name = replicaName(p.node, app, p.module, variant, p.accelerator);
    const r = out.get(name);
    if (r) r.fps += p.fps;
    else {
      const used = plan?.utilisation[utilisationKey(p.node, p.accelerator)];
      const slot = { node: p.node, accelerator: p.accelerator, app, module: p.module };
      out.set(name, { slot, variant, fps: p.fps, spare: used === undefined ? 0 : Math.max(0, 1 - used) });
    }
  }
  for (const r of out.values()) {
    const max = profileFps(doc, r);
    if (max) r.share = r.fps / (max * (factors.get(slotKey(r.slot))?.factor ?? 1));
  }
  return out;
}

function profileFps(doc: Doc, r: PlannedReplica): number | undefined {
  const { node, accelerator, app, module } = r.slot;
  const model =
    accelerator === 'cpu'
      ? 'cpu'
      : doc.members?.find((m) => m.id === node)?.inventory?.accelerators.find((a) => a.id === accelerator)?.model;
  if (!model) return undefined;
  const p = doc.profiles?.find(
    (x) =>
      x.app === app &&
      x.module === module &&
      x.accelerator === model &&
      (x.variant ?? DEFAULT_VARIANT) === r.variant &&
      (x as { state?: string }).state !== 'failed',
  );
  return p && p.maxFps > 0 ? p.maxFps : undefined;
}
