/**
 * The two planner shapes. A `ClusterPlanner` places the document's
 * deployments over a set of nodes (the leader's job); a `Planner` is what the
 * appliance's control asks for on one node: the plan, and this node's share
 * of it. Both are pure.
 */
import type { PortBook } from '../assignment.js';
import type { Assignment, ClusterDocument, NodeInventory, Plan } from '../types.js';

/** Plans the document's deployments over the live nodes; pure. `previous` keeps replicas in place. */
export type ClusterPlanner = (doc: ClusterDocument, nodes: NodeInventory[], previous: Plan | undefined) => Plan;

export interface Planner {
  /**
   * The plan for the document's apps and deployments, where this node plans
   * (a box on its own). Absent on a cluster member: only the leader plans,
   * in its own loop (one planner at a time); the member's control forwards
   * its change and waits for the leader's plan. Pure.
   */
  plan?(node: NodeInventory, doc: ClusterDocument): Plan;
  /**
   * This node's share of `doc.plan`: the replicas its supervisor must run.
   * `ports` are the ports replicas had (kept across re-plans); returns the new book. Pure.
   */
  assignment(
    node: NodeInventory,
    doc: ClusterDocument,
    ports: PortBook,
  ): { assignment: Assignment; ports: Record<string, number> };
}
