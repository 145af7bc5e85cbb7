/**
 * The Store the rest of the appliance uses when it runs in a cluster:
 * reads come from the committed document this node holds, and every change
 * goes through the leader and returns only once a majority stored it.
 */
import type { NodeLocalState, Store } from '../adapters/store.js';
import type { ClusterDocument } from '../domain/types.js';

/** How a change reaches the replicated document (ClusterNode.update). */
export interface DocumentUpdater {
  update(fn: (doc: ClusterDocument) => ClusterDocument | void): Promise<ClusterDocument>;
}

export class ClusterStore implements Store {
  constructor(
    private readonly base: Store,
    private readonly node: DocumentUpdater,
  ) {}

  read(): ClusterDocument {
    return this.base.read();
  }

  update(fn: (doc: ClusterDocument) => ClusterDocument | void): Promise<ClusterDocument> {
    return this.node.update(fn);
  }

  replace(doc: ClusterDocument): Promise<void> {
    return this.base.replace(doc);
  }

  local(): NodeLocalState {
    return this.base.local();
  }

  updateLocal(fn: (local: NodeLocalState) => NodeLocalState | void): Promise<NodeLocalState> {
    return this.base.updateLocal(fn);
  }

  writeProblem(): Promise<string | undefined> {
    return this.base.writeProblem();
  }
}
