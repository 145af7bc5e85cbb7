/**
 * The election machine's inputs, outputs and state (steps-as-data). The
 * machine never reads a clock, a socket or a disk: time comes in with each
 * input, and what must be sent or persisted goes out as effects.
 */
import type { Entry, EntryRef } from '../replication/entry.js';
import type { LogState } from '../replication/log-state.js';

export type Role = 'follower' | 'precandidate' | 'candidate' | 'leader';

export interface RaftConfig {
  /** Election timeouts are drawn from [electionMinMs, electionMaxMs). */
  electionMinMs: number;
  electionMaxMs: number;
  heartbeatMs: number;
  /** The leader refuses proposals while this many are uncommitted. */
  maxPending: number;
}

export const DEFAULT_RAFT_CONFIG: RaftConfig = {
  electionMinMs: 1000,
  electionMaxMs: 2000,
  heartbeatMs: 150,
  maxPending: 64,
};

/** What survives a restart (Raft's persistent state). */
export interface PersistentState<D> extends LogState<D> {
  term: number;
  votedFor: string | null;
}

export interface RaftState<D> extends PersistentState<D> {
  id: string;
  role: Role;
  leader: string | null;
  /** When this node last heard from a leader of its current term (ms). */
  leaderContactAt: number;
  electionDeadline: number;
  heartbeatDue: number;
  becameLeaderAt: number;
  /** Pre-votes or votes gathered in the current round. */
  votes: string[];
  /** Leader only: the newest index each follower stored in this term. */
  match: Record<string, number>;
  /** Leader only: when each follower last answered in this term. */
  ackAt: Record<string, number>;
  /** PRNG state for election timeouts (mulberry32). */
  seed: number;
  /** False while the driver cannot persist: the node neither leads, stands nor votes. */
  canPersist: boolean;
}

interface Addressed {
  term: number;
  from: string;
  to: string;
}

export type RaftMessage<D> =
  | (Addressed & { type: 'prevote-req'; last: EntryRef })
  | (Addressed & { type: 'prevote-resp'; granted: boolean })
  | (Addressed & { type: 'vote-req'; last: EntryRef })
  | (Addressed & { type: 'vote-resp'; granted: boolean })
  /** `entry` is omitted when the follower already stores `head`. */
  | (Addressed & { type: 'append'; head: EntryRef; entry?: Entry<D>; commitIndex: number })
  | (Addressed & { type: 'append-resp'; success: boolean; match: EntryRef });

export type RaftInput<D> =
  | { kind: 'tick'; now: number }
  | { kind: 'message'; now: number; msg: RaftMessage<D> }
  /** Leader only: append a new version; `voters` changes the membership (one member at a time). */
  | { kind: 'propose'; now: number; id: string; data: D; voters?: string[] }
  /** A node with no state founds a one-member cluster. */
  | { kind: 'bootstrap'; now: number; data: D }
  /** The driver's writes to the data dir failed (false) or succeed again (true). */
  | { kind: 'storage'; now: number; canPersist: boolean };

export type RaftEffect<D> =
  | { kind: 'persist' }
  | { kind: 'send'; msg: RaftMessage<D> }
  | { kind: 'role'; role: Role; term: number; leader: string | null }
  | { kind: 'commit'; entry: Entry<D> }
  | { kind: 'appended'; id: string; term: number; index: number }
  | {
      kind: 'refused';
      id: string;
      reason: 'not-leader' | 'busy' | 'membership-change-pending' | 'too-many-voter-changes';
      leader: string | null;
    };

export interface StepResult<D> {
  state: RaftState<D>;
  effects: RaftEffect<D>[];
}
