/**
 * What the node's loops and peer handlers see of, and ask of, its election:
 * a narrow view built by ClusterNode and passed in, never the node itself
 * (hashicorp/raft's NewRaft names every dependency the same way).
 */
import type { RaftState, Role } from '../domain/election/types.js';
import type { Entry } from '../domain/replication/entry.js';
import type { ClusterDocument } from '../domain/types.js';
import type { ChangeMaker } from './raft-driver.js';

export interface ClusterView {
  /** The election machine's state now: role, term, leader, when each follower last acknowledged. */
  snapshot(): Readonly<RaftState<ClusterDocument>>;
  /** Whether this node leads the cluster now. */
  isLeader(): boolean;
  /** The newest document this node holds (the leader's may be ahead of what is committed); none without state. */
  newestDoc(): ClusterDocument | undefined;
  /** host:port of a member or an authenticated peer; this node's own advertised address for itself. */
  addressOf(id: string): string | undefined;
  /** Proposes the change `make` computes from the newest entry; resolves once a majority stored it. */
  propose(make: ChangeMaker<ClusterDocument>): Promise<Entry<ClusterDocument> | null>;
  /** Calls `fn` on every change of role (a new term, a new leader, leadership won or lost). */
  onRole(fn: (role: Role, term: number, leader: string | null) => void): void;
}
