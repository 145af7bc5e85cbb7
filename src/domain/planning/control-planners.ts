/**
 * The control's planners: the leader's ClusterPlanner seen from one node.
 * A box on its own plans over itself; a member of a cluster plans over
 * itself and every other live member (the leader's plan, made locally).
 */
import type { PortRange } from '../assignment.js';
import { aliveMembers } from '../membership/member-changes.js';
import type { ClusterDocument, NodeInventory } from '../types.js';
import { nodeAssignment } from './node-assignment.js';
import type { ClusterPlanner, Planner } from './planner.js';

/** The nodes a member plans over: itself, as it is now, and every other live member, by id. */
export function membersToPlan(self: NodeInventory, doc: ClusterDocument): NodeInventory[] {
  const others = aliveMembers(doc)
    .filter((m) => m.id !== self.id)
    .flatMap((m) => (m.inventory ? [m.inventory] : []));
  return [self, ...others].sort((a, b) => a.id.localeCompare(b.id));
}

/** A box on its own is its own leader: it plans over itself alone. */
export function oneBoxPlanner(plan: ClusterPlanner, range: PortRange): Planner {
  return {
    plan: (node, doc) => plan(doc, [node], doc.plan),
    assignment: (node, doc, ports) => nodeAssignment(node, doc, ports, range),
  };
}

/** A cluster member plans over the live members (membersToPlan). */
export function memberPlanner(plan: ClusterPlanner, range: PortRange): Planner {
  return {
    plan: (self, doc) => plan(doc, membersToPlan(self, doc), doc.plan),
    assignment: (node, doc, ports) => nodeAssignment(node, doc, ports, range),
  };
}
