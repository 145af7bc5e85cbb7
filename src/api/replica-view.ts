import type { ReplicaStatus } from '../domain/types.js';

/** The supervisor as the API sees it: what runs here now. */
export interface ReplicaView {
  replicas(): ReplicaStatus[];
  /** Restarts of replicas here since the supervisor came up; never goes down (absent: not counted). */
  restartsTotal?(): number;
  /** Where this node's replicas answer (their sandbox's address); absent: loopback (tests' fakes). */
  replicaHost?(): string;
}
