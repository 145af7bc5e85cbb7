/**
 * Keys that say whether two plans, or two sets of plan inputs, are the same:
 * the leader re-plans only when the inputs' key changes, and proposes a plan
 * only when its key differs from the committed one.
 */
import type { ClusterDocument, NodeInventory, Plan } from '../types.js';

/** The parts of a plan that matter when comparing two (not its solve time). */
export const planKey = (p: Plan | undefined): string => (p ? JSON.stringify([p.placements, p.rejected]) : '');

const INPUTS = ['apps', 'deployments', 'profiles', 'nodes', 'links'] as const;

/** What a plan depends on, part by part: apps, deployments, profiles, the live nodes and their measured links. */
export function planInputParts(doc: ClusterDocument, nodes: NodeInventory[]): string[] {
  return [
    JSON.stringify(doc.apps.map((a) => [a.name, a.digest])),
    JSON.stringify(doc.deployments.map((d) => [d.name, d.app, d.fps, d.latencyMs, d.priority, d.maxFps])),
    JSON.stringify(
      doc.profiles.map((p) => [p.app, p.module, p.variant, p.accelerator, p.digest, p.state, p.maxFps, p.frameKB]),
    ),
    JSON.stringify(nodes),
    JSON.stringify(doc.members.flatMap((m) => (m.link ? [[m.id, m.link.bandwidthMbps, m.link.rttMs]] : []))),
  ];
}

/** What a plan depends on, as one key. */
export const planInputKey = (doc: ClusterDocument, nodes: NodeInventory[]): string =>
  JSON.stringify(planInputParts(doc, nodes));

/** Why a re-plan: which inputs differ from those of the last plan (none known: the first plan of this leader). */
export function planInputReason(before: readonly string[] | undefined, after: readonly string[]): string {
  if (!before) return 'inputs: first plan of this leader';
  const changed = INPUTS.filter((_, i) => before[i] !== after[i]);
  return changed.length ? `inputs: ${changed.join(', ')} changed` : 'inputs: unchanged (asked to plan again)';
}

/**
 * Whether the document's plan accounts for its deployments as they are now:
 * each one placed or rejected, none that is gone. A change is planned once
 * this holds (the leader plans in its own loop).
 */
export function planCovers(doc: ClusterDocument): boolean {
  if (!doc.plan) return doc.deployments.length === 0;
  const named = new Set([...doc.plan.placements, ...doc.plan.rejected].map((x) => x.deployment));
  const now = new Set(doc.deployments.map((d) => d.name));
  return named.size === now.size && [...now].every((n) => named.has(n));
}
