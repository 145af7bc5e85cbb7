/**
 * What a node tells about its cluster (GET /v1/cluster, the peer API's
 * GET /doc): the cluster layer computes it, the API serves it.
 */
export interface ClusterMemberStatus {
  id: string;
  address: string;
  state: string;
  lastSeen: number;
  voter: boolean;
}

export interface ClusterStatus {
  name: string;
  self: string;
  role: string;
  leader: string | null;
  term: number;
  /** Version (raft index) of the newest committed document. */
  committedIndex: number;
  members: ClusterMemberStatus[];
}
