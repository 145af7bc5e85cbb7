/**
 * Pure changes to the membership part of the cluster document. The voters
 * of the election are the members that have not left: a dead member still
 * votes (otherwise a minority could shrink the cluster and elect itself).
 */
import type { ClusterDocument, Member, NodeInventory } from '../types.js';
import type { MemberTransition } from './failure-detector.js';

export const votersOf = (doc: ClusterDocument): string[] =>
  doc.members
    .filter((m) => m.state !== 'left')
    .map((m) => m.id)
    .sort();

export const aliveMembers = (doc: ClusterDocument): Member[] =>
  doc.members.filter((m) => m.state === 'alive' || m.state === 'suspect');

export interface JoinInfo {
  id: string;
  address: string;
  inventory?: NodeInventory;
}

/** Adds a member, or refreshes its address and inventory (a restarted box keeps its membership). */
export function withMember(doc: ClusterDocument, join: JoinInfo, now: number): ClusterDocument {
  const existing = doc.members.find((m) => m.id === join.id);
  const member: Member = {
    id: join.id,
    address: join.address,
    joinedAt: existing && existing.state !== 'left' ? existing.joinedAt : now,
    lastSeen: now,
    state: 'alive',
    ...((join.inventory ?? existing?.inventory) ? { inventory: join.inventory ?? existing?.inventory } : {}),
  };
  return {
    ...doc,
    members: [...doc.members.filter((m) => m.id !== join.id), member].sort((a, b) => a.id.localeCompare(b.id)),
  };
}

/** True when `join` would change nothing (same address and inventory, alive). */
export function isCurrentMember(doc: ClusterDocument, join: JoinInfo): boolean {
  const m = doc.members.find((x) => x.id === join.id);
  return (
    !!m &&
    m.state === 'alive' &&
    m.address === join.address &&
    (!join.inventory || sameInventory(m.inventory, join.inventory))
  );
}

export function withTransitions(
  doc: ClusterDocument,
  transitions: readonly MemberTransition[],
  heard: (id: string) => number | undefined,
  now: number,
): ClusterDocument {
  if (!transitions.length) return doc;
  const byId = new Map(transitions.map((t) => [t.id, t]));
  return {
    ...doc,
    members: doc.members.map((m) => {
      const t = byId.get(m.id);
      if (!t) return m;
      return { ...m, state: t.to, lastSeen: t.to === 'alive' ? now : (heard(m.id) ?? m.lastSeen) };
    }),
  };
}

export const withoutMember = (doc: ClusterDocument, id: string): ClusterDocument => ({
  ...doc,
  members: doc.members.filter((m) => m.id !== id),
});

/** JSON with sorted keys: two inventories are the same whatever order their fields came in. */
function canonical(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

export const sameInventory = (a: NodeInventory | undefined, b: NodeInventory | undefined): boolean =>
  canonical(a) === canonical(b);

/**
 * Members (not left) whose inventory in the document differs from what they
 * report now (`reported`: by member id, what this node last heard from each,
 * itself included): the document is stale for them. A box restarted with
 * other accelerators on the same data volume is one.
 */
export function staleInventories(doc: ClusterDocument, reported: ReadonlyMap<string, NodeInventory>): string[] {
  return doc.members
    .filter((m) => m.state !== 'left' && reported.has(m.id) && !sameInventory(m.inventory, reported.get(m.id)))
    .map((m) => m.id);
}

/** The document with each stale member's inventory replaced by the one it reports. */
export function withReportedInventories(
  doc: ClusterDocument,
  reported: ReadonlyMap<string, NodeInventory>,
): ClusterDocument {
  const stale = new Set(staleInventories(doc, reported));
  if (!stale.size) return doc;
  return { ...doc, members: doc.members.map((m) => (stale.has(m.id) ? { ...m, inventory: reported.get(m.id)! } : m)) };
}
