/**
 * The peer API a node serves under /v1/peer, built from what each handler
 * needs. Failures are thrown as typed errors; the peer server answers them
 * through the one error mapping (src/http). A 409 on /join (here is the
 * leader) and on /propose (here is the newer document) carry data, not errors.
 * /profile answers 202 at once: the box measures, then writes the result
 * into the replicated document itself.
 */
import type { ClusterStatus } from '../domain/cluster-status.js';
import type { RaftMessage } from '../domain/election/types.js';
import { ConflictError, ForbiddenError, NotLeaderError, UnavailableError } from '../domain/errors.js';
import type { ClusterDocument } from '../domain/types.js';
import { parseBody } from '../http/parse-body.js';
import type { ClusterView } from './cluster-view.js';
import { parseRaftMessage, profileTaskSchema, proposeSchema, type ProfileTaskRequest } from './peer-messages.js';
import type { PeerHandler, PeerRequest, PeerReply } from './peer-server.js';

type Doc = ClusterDocument;

export interface PeerHandlerDeps {
  view: ClusterView;
  /** Hands a peer's raft message to the election driver. */
  deliver: (msg: RaftMessage<Doc>) => Promise<void>;
  /** POST /hello: a peer introduces itself (the discovery loop). */
  hello: (body: unknown, from: string, remoteIp: string) => Promise<PeerReply>;
  /** POST /join: a node asks to become a member (the leader's work). */
  join: (body: unknown, from: string, remoteIp: string) => Promise<PeerReply>;
  status: () => ClusterStatus;
  /** POST /profile: the leader hands this box a profiling task; resolves once it is accepted (queued here). */
  profile: (task: ProfileTaskRequest) => Promise<void>;
}

/** Keyed by "METHOD /name", as createPeerRouter expects. */
export function peerHandlers(d: PeerHandlerDeps): Record<string, PeerHandler> {
  return {
    'POST /raft': async ({ body, from }) => {
      const msg = parseRaftMessage(body);
      if (msg.from !== from) throw new ForbiddenError('sender mismatch');
      void d.deliver(msg);
      return { status: 202 };
    },
    'POST /hello': ({ body, from, remoteAddress }) => d.hello(body, from, remoteAddress),
    'POST /join': ({ body, from, remoteAddress }) => d.join(body, from, remoteAddress),
    'POST /propose': (req) => propose(d.view, req),
    'GET /doc': () => ({ status: 200, body: { doc: d.view.newestDoc() ?? null, status: d.status() } }),
    'POST /profile': async ({ body, from }) => {
      const task = parseBody(profileTaskSchema, body, 'profiling task');
      const leader = d.view.snapshot().leader;
      if (from !== leader)
        throw new ForbiddenError(`only the leader hands out profiling tasks (leader: ${leader ?? 'none'})`);
      await d.profile(task);
      return { status: 202, body: { accepted: task.task } };
    },
  };
}

/** A follower's change, valid only on top of the version it was computed from. */
async function propose(view: ClusterView, { body }: PeerRequest): Promise<PeerReply> {
  const req = parseBody(proposeSchema, body, 'propose request');
  if (!view.isLeader()) throw new NotLeaderError('not the leader');
  try {
    const e = await view.propose((head, next) => {
      if (!head) throw new UnavailableError('no state');
      if (head.data.version !== req.baseVersion) throw new ConflictError('stale base version');
      const doc = req.doc as Doc;
      return { data: { ...doc, version: next, members: head.data.members, clusterName: head.data.clusterName } };
    });
    return { status: 200, body: { doc: e!.data } };
  } catch (err) {
    if (err instanceof ConflictError) return { status: 409, body: { doc: view.newestDoc() } };
    throw err;
  }
}
