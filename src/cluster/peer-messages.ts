/**
 * The peer protocol's bodies, validated with zod at the boundary. The
 * document inside an entry or a proposal is validated whole, its apps as
 * manifests: holding the cluster token does not make a document valid.
 */
import { z } from 'zod';
import { clusterDocumentSchema } from '../domain/cluster-document-schema.js';
import type { RaftMessage } from '../domain/election/types.js';
import type { ClusterDocument, NodeInventory } from '../domain/types.js';
import { parseBody } from '../http/parse-body.js';

export const PROTOCOL_VERSION = '1';

const ref = z.object({ term: z.number().int().nonnegative(), index: z.number().int().nonnegative() });
const doc = clusterDocumentSchema;
const entry = ref.extend({ voters: z.array(z.string()), data: doc });
const base = { term: z.number().int().nonnegative(), from: z.string().min(1), to: z.string().min(1) };

export const raftMessageSchema = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('prevote-req'), last: ref }),
  z.object({ ...base, type: z.literal('prevote-resp'), granted: z.boolean() }),
  z.object({ ...base, type: z.literal('vote-req'), last: ref }),
  z.object({ ...base, type: z.literal('vote-resp'), granted: z.boolean() }),
  z.object({
    ...base,
    type: z.literal('append'),
    head: ref,
    entry: entry.optional(),
    commitIndex: z.number().int().nonnegative(),
  }),
  z.object({ ...base, type: z.literal('append-resp'), success: z.boolean(), match: ref }),
]);

/** A peer's raft message; a ValidationError (400) names the bad field. */
export const parseRaftMessage = (body: unknown): RaftMessage<ClusterDocument> =>
  parseBody(raftMessageSchema, body, 'raft message') as unknown as RaftMessage<ClusterDocument>;

const inventory = z.object({
  id: z.string(),
  cpus: z.number(),
  memoryMB: z.number(),
  accelerators: z.array(z.looseObject({ id: z.string(), model: z.string(), memoryMB: z.number() })),
});

/** Who a node is: sent on discovery, answered in kind. */
export const helloSchema = z.object({
  id: z.string().min(1).max(63),
  cluster: z.string().min(1),
  v: z.string(),
  /** host:port of its API as it sees itself (may be unroutable; the caller's view wins). */
  address: z.string().optional(),
  /** Whether it holds cluster state (a founded or joined cluster). */
  initialized: z.boolean(),
  leader: z.string().nullable(),
  term: z.number().int().nonnegative(),
  /** How many members its cluster has (0 without state). */
  members: z.number().int().nonnegative().optional(),
  inventory: inventory.optional(),
});
export type Hello = Omit<z.infer<typeof helloSchema>, 'inventory'> & { inventory?: NodeInventory };

/** A node asks the leader to be made a member. */
export const joinSchema = z.object({
  id: z.string().min(1).max(63),
  address: z.string().min(3),
  inventory: inventory.optional(),
});
export type JoinRequest = Omit<z.infer<typeof joinSchema>, 'inventory'> & { inventory?: NodeInventory };

/** A change forwarded by a follower: the whole new document, valid only on top of `baseVersion`. */
export const proposeSchema = z.object({ baseVersion: z.number().int().nonnegative(), doc });
export interface ProposeRequest {
  baseVersion: number;
  doc: ClusterDocument;
}

const replicaStatus = z.looseObject({
  name: z.string(),
  app: z.string(),
  module: z.string(),
  variant: z.string(),
  port: z.number().int(),
  accelerator: z.string(),
  state: z.enum(['pending', 'starting', 'running', 'backoff', 'crash-loop', 'stopped']),
  restarts: z.number(),
});

/** GET /v1/peer/replicas: the replicas this node runs, and the frames per second arriving here by deployment. */
export const replicasAnswerSchema = z.object({
  replicas: z.array(replicaStatus),
  arrivals: z.record(z.string(), z.number().nonnegative()),
});

const outcomeCounts = z.object({
  ok: z.number(),
  'rate-limited': z.number(),
  unavailable: z.number(),
  'deadline-missed': z.number(),
  refused: z.number(),
});

/** GET /v1/peer/stats: this node's router measurements by deployment (StatsWindow), to merge. */
export const statsAnswerSchema = z.object({
  deployments: z.record(
    z.string(),
    z.object({
      counts: outcomeCounts,
      offeredFps: z.number(),
      finishedFps: z.number(),
      latencies: z.array(z.number()).max(4096),
      replicas: z
        .record(
          z.string(),
          z.object({ node: z.string(), module: z.string(), servedFps: z.number(), busy: z.number().min(0).max(1) }),
        )
        .optional(),
    }),
  ),
});
/** A profiling task the leader hands a box that has the accelerator model (POST /v1/peer/profile). */
export const profileTaskSchema = z.strictObject({
  task: z.string().min(1).max(200),
  target: z.strictObject({
    app: z.string().min(1).max(63),
    module: z.string().min(1).max(63),
    variant: z.string().min(1).max(63).optional(),
    accelerator: z.string().min(1).max(64),
    digest: z.string().min(1).max(200),
  }),
  acceleratorId: z.string().min(1).max(64).optional(),
  shared: z.boolean(),
});
export type ProfileTaskRequest = z.infer<typeof profileTaskSchema>;
