/**
 * Where the appliance keeps its state: the versioned cluster document
 * (docs/design.md, "State") and what belongs to this node alone (its id; the
 * cluster helpers keep term and vote here too).
 */
import { RimError } from '../domain/errors.js';
import type { ClusterDocument } from '../domain/types.js';

/** The state on disk cannot be trusted and no good copy exists: the appliance does not start (exit 2). */
export class StateFileError extends RimError {
  override readonly code = 'state-file';
}

/** A write after the store was closed (the node is stopping): nothing was written. */
export class StoreClosedError extends RimError {
  override readonly status = 503;
  override readonly code = 'store-closed';
}

/** Node-local state: never replicated. Extra keys are kept as they are. */
export interface NodeLocalState {
  nodeId: string;
  createdAt: number;
  [key: string]: unknown;
}

export interface Store {
  /** A snapshot of the cluster document (a copy: mutating it changes nothing). */
  read(): ClusterDocument;
  /**
   * Applies `fn` to a copy of the document, bumps `version` and writes it
   * atomically. Calls are serialised; when `fn` throws, nothing changes and
   * the error is rethrown. `fn` may mutate its argument or return a new one.
   */
  update(fn: (doc: ClusterDocument) => ClusterDocument | void): Promise<ClusterDocument>;
  /** Replaces the whole document as given (a follower taking the leader's copy); the version is kept as given. */
  replace(doc: ClusterDocument): Promise<void>;
  local(): NodeLocalState;
  updateLocal(fn: (local: NodeLocalState) => NodeLocalState | void): Promise<NodeLocalState>;
  /** Why the store cannot write now (a read-only or vanished data dir, a failed write), or undefined: /readyz. */
  writeProblem(): Promise<string | undefined>;
}
