/**
 * One node's share of the document's plan, as its supervisor runs it. The
 * leader's followers and the one-box control both derive it here, so the
 * same plan and port book give the same assignment everywhere.
 */
import { assignmentForNode, type PortBook, type PortRange } from '../assignment.js';
import type { Assignment, ClusterDocument, NodeInventory, Plan } from '../types.js';

const NO_PLAN: Plan = { strategy: 'none', placements: [], rejected: [], latencyMs: {}, utilisation: {}, solveMs: 0 };

/** This node's assignment for `doc`'s plan (none yet: no replicas), with the port book it implies. */
export function nodeAssignment(
  node: NodeInventory,
  doc: ClusterDocument,
  ports: PortBook,
  range: PortRange,
): { assignment: Assignment; ports: Record<string, number> } {
  const out = assignmentForNode({
    node,
    plan: doc.plan ?? NO_PLAN,
    apps: doc.apps,
    deployments: doc.deployments,
    ports,
    range,
    version: doc.version,
    profiles: doc.profiles,
  });
  return { assignment: out.assignment, ports: { ...out.ports } };
}
