/**
 * Every node runs its own share of the committed plan: on each committed
 * document it derives its Assignment (assignmentForNode) and hands it to its
 * supervisor. Without a leader nothing new is committed, so the last
 * assignment stays in force and the supervisor keeps restarting its
 * replicas (edge autonomy). Ports come from the node-local book the
 * appliance's control also uses (`local().ports`), so both derive the same
 * assignment from the same plan.
 */
import type { Store } from '../adapters/store.js';
import type { PortRange } from '../domain/assignment.js';
import { nodeAssignment } from '../domain/planning/node-assignment.js';
import type { Assignment, ClusterDocument, NodeInventory } from '../domain/types.js';
import type { Logger } from '../log.js';

export interface AssignmentFollowerDeps {
  nodeId: string;
  range: PortRange;
  store: Store;
  inventory: () => Promise<NodeInventory>;
  supervisor: { setAssignment(a: Assignment): void };
  logger: Logger;
}

export class AssignmentFollower {
  private lastKey = '';

  constructor(private readonly deps: AssignmentFollowerDeps) {}

  /** Called with each committed document. */
  readonly onCommitted = async (doc: ClusterDocument): Promise<void> => {
    if (!doc.plan) return;
    const node = await this.deps.inventory();
    const previous = (this.deps.store.local().ports ?? {}) as Record<string, number>;
    const { assignment, ports } = nodeAssignment(node, doc, previous, this.deps.range);
    if (JSON.stringify(ports) !== JSON.stringify(previous))
      await this.deps.store.updateLocal((l) => {
        l.ports = ports;
      });
    const key = JSON.stringify(assignment.replicas.map((r) => [r.name, r.specHash]));
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.deps.logger.info(
      { version: doc.version, replicas: assignment.replicas.map((r) => r.name) },
      'assignment from the committed plan',
    );
    this.deps.supervisor.setAssignment(assignment);
  };
}
