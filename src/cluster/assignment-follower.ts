/**
 * Every node runs its own share of the committed plan: on each committed
 * document it derives its Assignment (assignmentForNode) and hands it to its
 * supervisor. Without a leader nothing new is committed, so the last
 * assignment stays in force and the supervisor keeps restarting its
 * replicas (edge autonomy).
 */
import { assignmentForNode, type PortBook, type PortRange } from '../domain/assignment.js';
import type { Assignment, ClusterDocument, NodeInventory } from '../domain/types.js';
import type { Logger } from '../log.js';

export interface AssignmentFollowerDeps {
  nodeId: string;
  range: PortRange;
  inventory: () => Promise<NodeInventory>;
  supervisor: { setAssignment(a: Assignment): void };
  logger: Logger;
}

export function assignmentFollower(deps: AssignmentFollowerDeps): (doc: ClusterDocument) => Promise<void> {
  let ports: PortBook = {};
  let lastKey = '';
  return async (doc) => {
    if (!doc.plan) return;
    const node = doc.members.find((m) => m.id === deps.nodeId)?.inventory ?? await deps.inventory();
    const out = assignmentForNode({ node, plan: doc.plan, apps: doc.apps, deployments: doc.deployments, ports, range: deps.range, version: doc.version });
    ports = out.ports;
    const key = JSON.stringify(out.assignment.replicas.map((r) => [r.name, r.specHash]));
    if (key === lastKey) return;
    lastKey = key;
    deps.logger.info({ version: doc.version, replicas: out.assignment.replicas.map((r) => r.name) }, 'assignment from the committed plan');
    deps.supervisor.setAssignment(out.assignment);
  };
}
