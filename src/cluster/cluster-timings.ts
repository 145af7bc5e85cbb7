import { ValidationError } from '../domain/errors.js';

/**
 * Every wait, period and timeout of a cluster node, named and with its
 * default in one place (hashicorp/raft's Config, in Rim's words). The
 * election's own timings (heartbeat, election timeout) are in RaftConfig;
 * the failure detector's in FailureDetectorConfig. Tests and benchmarks may
 * pass a partial override through ClusterNodeDeps.timings.
 */
export interface ClusterTimings {
  /** How often the election driver feeds the machine a tick. */
  raftTickMs: number;
  /** How long a proposal may wait for a majority before it fails (it may still be applied). */
  proposeTimeoutMs: number;
  /** How often the leader runs its round: failure detection, expiry, re-planning. */
  leaderTickMs: number;
  /** Discovery period once this node holds cluster state: greet every candidate, check for a rival cluster. */
  discoveryIntervalMs: number;
  /** Discovery period while this node has no state (looking for a cluster to join), before jitter. */
  discoveryStatelessMs: number;
  /** Random extra (0 to this) on the stateless discovery period, so that stateless nodes do not move in step. */
  discoveryJitterMs: number;
  /** A peer's hello counts as current for this long (joining, founding, yielding to another cluster). */
  peerFreshMs: number;
  /** A node with no state waits this long for peers before founding a cluster of its own. */
  bootstrapAfterMs: number;
  /**
   * Without a leader's word, the document this node last knew committed is applied after this
   * many election timeouts (RaftConfig.electionMaxMs): edge autonomy across restarts.
   */
  storedPlanAfterElections: number;
  /** How many times update() tries to get a change accepted before it gives up. */
  updateAttempts: number;
  /** update(): the wait before trying again when no leader is known or the leader cannot be reached. */
  updateRetryMs: number;
  /** update(): the wait before trying again after the leader refused the change (not a conflict). */
  updateRefusedRetryMs: number;
  /** Read-your-writes: how long update() on a follower waits for its store to hold the committed change. */
  readYourWritesMs: number;
  /** Read-your-writes: how often it looks. */
  readYourWritesPollMs: number;
  /** Peer call timeout: a raft message (fire and forget; the machine retries). */
  raftCallTimeoutMs: number;
  /** Peer call timeout: a hello to a candidate address. */
  helloCallTimeoutMs: number;
  /** Peer call timeout: asking the leader to be made a member. */
  joinCallTimeoutMs: number;
  /** Peer call timeout: a change forwarded to the leader (covers its proposal's majority round). */
  proposeCallTimeoutMs: number;
}

export const DEFAULT_CLUSTER_TIMINGS: Readonly<ClusterTimings> = Object.freeze({
  raftTickMs: 25,
  proposeTimeoutMs: 5000,
  leaderTickMs: 200,
  discoveryIntervalMs: 3000,
  discoveryStatelessMs: 500,
  discoveryJitterMs: 500,
  peerFreshMs: 5000,
  bootstrapAfterMs: 3000,
  storedPlanAfterElections: 1.5,
  updateAttempts: 6,
  updateRetryMs: 300,
  updateRefusedRetryMs: 200,
  readYourWritesMs: 1000,
  readYourWritesPollMs: 25,
  raftCallTimeoutMs: 1000,
  helloCallTimeoutMs: 1500,
  joinCallTimeoutMs: 6000,
  proposeCallTimeoutMs: 6000,
});

/** The defaults with `override`'s fields on top; refuses a value or a combination that cannot work. */
export function clusterTimings(override: Partial<ClusterTimings> = {}): ClusterTimings {
  const t = { ...DEFAULT_CLUSTER_TIMINGS, ...override };
  for (const [key, value] of Object.entries(t)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new ValidationError(`cluster timing ${key}: must be a number >= 0`, key);
    }
  }
  if (!Number.isInteger(t.updateAttempts) || t.updateAttempts < 1) {
    throw new ValidationError('cluster timing updateAttempts: must be a whole number >= 1', 'updateAttempts');
  }
  for (const key of ['raftTickMs', 'leaderTickMs', 'readYourWritesPollMs'] as const) {
    if (t[key] <= 0) throw new ValidationError(`cluster timing ${key}: must be > 0 (it is a period)`, key);
  }
  if (t.proposeCallTimeoutMs <= t.proposeTimeoutMs) {
    throw new ValidationError(
      `cluster timings proposeCallTimeoutMs (${t.proposeCallTimeoutMs}) must exceed ` +
        `proposeTimeoutMs (${t.proposeTimeoutMs}): a follower would give up on a change the leader may still commit`,
      'proposeCallTimeoutMs',
    );
  }
  return t;
}
