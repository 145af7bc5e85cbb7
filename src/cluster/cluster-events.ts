/**
 * The cluster's changes on the event stream (the status page redraws on
 * them): `cluster` on a change of role, term or leader; `member` when a
 * committed document changes a member's state (joined, suspect, dead,
 * alive again, removed); `plan` when a committed document carries a new
 * plan (every box publishes it as its store takes the commit).
 */
import { memberChanges } from '../domain/membership/member-diff.js';
import { planKey } from '../domain/planning/plan-keys.js';
import type { Role } from '../domain/election/types.js';
import type { ClusterDocument } from '../domain/types.js';

export interface ClusterEventSource {
  onRole(fn: (role: Role, term: number, leader: string | null) => void): void;
  onCommitted(fn: (doc: ClusterDocument) => void | Promise<void>): void;
}

export type Publish = (type: 'cluster' | 'member' | 'plan', action: string, data: unknown) => void;

export function publishClusterEvents(node: ClusterEventSource, publish: Publish, initial?: ClusterDocument): void {
  node.onRole((role, term, leader) => publish('cluster', role, { role, term, leader }));
  let last = initial;
  let lastPlan = planKey(initial?.plan);
  node.onCommitted((doc) => {
    for (const c of memberChanges(last?.members ?? [], doc.members)) {
      publish('member', c.to === undefined ? 'removed' : c.from === undefined ? 'joined' : c.to, c);
    }
    const key = planKey(doc.plan);
    if (key !== lastPlan && doc.plan) {
      publish('plan', 'committed', {
        version: doc.version,
        placements: doc.plan.placements.length,
        rejected: doc.plan.rejected,
        reason: doc.plan.reason,
      });
    }
    lastPlan = key;
    last = doc;
  });
}
