/**
 * The control's planners: the leader's ClusterPlanner seen from one node.
 * A box on its own plans over itself. A member of a cluster never plans:
 * the leader alone computes and proposes plans (leader-work.ts), over the
 * live members as the replicated document knows them; a member's control
 * forwards its change and takes its share of the committed plan.
 */
import type { PortRange } from '../assignment.js';
import { nodeAssignment } from './node-assignment.js';
import type { ClusterPlanner, Planner } from './planner.js';

/** A box on its own is its own leader: it plans over itself alone. */
export function oneBoxPlanner(plan: ClusterPlanner, range: PortRange): Planner {
  return {
    plan: (node, doc) => plan(doc, [node], doc.plan),
    assignment: (node, doc, ports) => nodeAssignment(node, doc, ports, range),
  };
}

/** A cluster member: the leader plans; the member only derives its share of the committed plan. */
export function memberPlanner(range: PortRange): Planner {
  return {
    assignment: (node, doc, ports) => nodeAssignment(node, doc, ports, range),
  };
}
