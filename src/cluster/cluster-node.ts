/**
 * One appliance's place in the cluster: the election machine's driver, the
 * peer API's handlers, the discovery and join loop, the leader's work loop,
 * and `update(fn)`, the only way a change enters the replicated document
 * (on a follower it is forwarded to the leader as a compare-and-set).
 */
import type { Store } from '../adapters/store.js';
import { DEFAULT_RAFT_CONFIG, type PersistentState, type RaftConfig } from '../domain/election/types.js';
import { ConflictError, NotFoundError, UnavailableError } from '../domain/errors.js';
import { DEFAULT_FAILURE_DETECTOR, type FailureDetectorConfig } from '../domain/membership/failure-detector.js';
import { votersOf, withoutMember } from '../domain/membership/member-changes.js';
import type { ClusterPlanner } from '../domain/planning/planner.js';
import { newest } from '../domain/replication/log-state.js';
import type { ClusterDocument, NodeInventory } from '../domain/types.js';
import type { Logger } from '../log.js';
import { DiscoveryLoop } from './discovery-loop.js';
import { LeaderWork } from './leader-work.js';
import type { PeerClient } from './peer-client.js';
import { parseRaftMessage, proposeSchema } from './peer-messages.js';
import type { PeerHandler } from './peer-server.js';
import { RaftDriver } from './raft-driver.js';

export interface ClusterNodeDeps {
  nodeId: string;
  clusterName: string;
  /** host:port at which the other boxes reach this node's API. */
  advertiseAddress: string;
  store: Store;
  client: PeerClient;
  inventory: () => Promise<NodeInventory>;
  /** Static peers ("host:port"); mDNS adds more through `addCandidate`. */
  staticPeers: string[];
  logger: Logger;
  now: () => number;
  raft?: RaftConfig;
  detector?: FailureDetectorConfig;
  /** A node with no state waits this long for peers before founding a cluster of its own. */
  bootstrapAfterMs?: number;
  /** The leader's planner; without one the leader keeps whatever plan the document has. */
  planner?: ClusterPlanner;
}

export interface ClusterStatus {
  name: string;
  self: string;
  role: string;
  leader: string | null;
  term: number;
  /** Version (raft index) of the newest committed document. */
  committedIndex: number;
  members: { id: string; address: string; state: string; lastSeen: number; voter: boolean }[];
}

type Doc = ClusterDocument;

export class ClusterNode {
  readonly driver: RaftDriver<Doc>;
  readonly discovery: DiscoveryLoop;
  private readonly leaderWork: LeaderWork;
  private readonly listeners: ((doc: Doc) => void | Promise<void>)[] = [];

  constructor(readonly deps: ClusterNodeDeps) {
    const log = deps.logger;
    this.driver = new RaftDriver<Doc>({
      id: deps.nodeId,
      cfg: deps.raft ?? DEFAULT_RAFT_CONFIG,
      now: deps.now,
      logger: log,
      persistence: {
        load: () => deps.store.local().raft as PersistentState<Doc> | undefined,
        save: async (s) => { await deps.store.updateLocal((l) => { l.raft = s; }); },
      },
      send: (msg) => {
        const address = this.addressOf(msg.to);
        if (!address) return;
        deps.client.call(address, 'POST', '/v1/peer/raft', msg, 1000).catch(() => undefined);
      },
    });
    this.driver.onCommit(async (entry) => {
      await deps.store.replace(entry.data);
      for (const fn of this.listeners) await fn(entry.data);
    });
    this.driver.onRole((role, term, leader) => log.info({ role, term, leader }, role === 'leader' ? 'this node leads the cluster' : 'role changed'));
    this.discovery = new DiscoveryLoop(this, deps);
    this.leaderWork = new LeaderWork(this, deps.detector ?? DEFAULT_FAILURE_DETECTOR, deps.planner, log, deps.now);
  }

  start(signal: AbortSignal): void {
    // What this node last knew to be committed stays in force while no leader speaks (edge autonomy across
    // restarts); a leader that answers within an election timeout or so supersedes it without a detour.
    const committed = this.driver.snapshot.committed;
    if (committed) {
      let superseded = false;
      this.onCommitted(() => { superseded = true; });
      const timer = setTimeout(() => {
        if (superseded || signal.aborted) return;
        this.deps.logger.info({ version: committed.data.version }, 'no leader yet: running the stored plan');
        void (async () => { for (const fn of this.listeners) await fn(committed.data); })()
          .catch((e) => this.deps.logger.error({ err: e }, 'applying the stored document failed'));
      }, (this.deps.raft ?? DEFAULT_RAFT_CONFIG).electionMaxMs * 1.5);
      signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
    }
    this.driver.start(signal);
    this.discovery.start(signal);
    this.leaderWork.start(signal);
  }

  /** Called with every newly committed document (after the store holds it). */
  onCommitted(fn: (doc: Doc) => void | Promise<void>): void { this.listeners.push(fn); }

  /** A peer address announced by mDNS (or configured): it will be greeted and authenticated. */
  addCandidate(address: string): void { this.discovery.addCandidate(address); }

  get initialized(): boolean { return newest(this.driver.snapshot) !== null; }
  get isLeader(): boolean { return this.driver.snapshot.role === 'leader'; }
  get leaderId(): string | null { return this.driver.snapshot.leader; }

  /** The newest document this node holds (the leader's may be ahead of what is committed). */
  newestDoc(): Doc | undefined { return newest(this.driver.snapshot)?.data; }

  addressOf(id: string): string | undefined {
    if (id === this.deps.nodeId) return this.deps.advertiseAddress;
    return this.newestDoc()?.members.find((m) => m.id === id)?.address ?? this.discovery.addressOf(id);
  }

  status(): ClusterStatus {
    const s = this.driver.snapshot;
    const doc = this.newestDoc() ?? this.deps.store.read();
    const voters = doc ? votersOf(doc) : [];
    return {
      name: this.deps.clusterName,
      self: this.deps.nodeId,
      role: s.role,
      leader: s.leader,
      term: s.term,
      committedIndex: s.committed?.index ?? 0,
      members: (doc?.members ?? []).map((m) => ({
        id: m.id, address: m.address, state: m.state, voter: voters.includes(m.id),
        lastSeen: s.role === 'leader' ? (m.id === this.deps.nodeId ? this.deps.now() : s.ackAt[m.id] ?? m.lastSeen) : m.lastSeen,
      })),
    };
  }

  /**
   * Applies `fn` to the cluster document and resolves once a majority
   * stored the result. On a follower the new document is sent to the
   * leader, valid only on top of the version it was computed from; on a
   * conflict `fn` runs again on the leader's newer document.
   */
  async update(fn: (doc: Doc) => Doc | void): Promise<Doc> {
    let base: Doc | undefined;
    for (let attempt = 0; attempt < 6; attempt++) {
      if (this.isLeader) {
        const e = await this.driver.propose((head, next) => {
          if (!head) throw new UnavailableError('the cluster has no state yet');
          const copy = structuredClone(head.data);
          const out = fn(copy) ?? copy;
          return { data: { ...out, version: next } };
        });
        return e!.data;
      }
      const leader = this.leaderId;
      const address = leader ? this.addressOf(leader) : undefined;
      if (!address) { await sleep(300); continue; }
      const from = base ?? this.deps.store.read();
      const copy = structuredClone(from);
      const next = fn(copy) ?? copy;
      try {
        const answer = await this.deps.client.call<{ doc: Doc }>(address, 'POST', '/v1/peer/propose', { baseVersion: from.version, doc: next }, 6000);
        if (answer.status === 200) {
          // Read-your-writes: wait (briefly) until this node holds the committed result too.
          for (let i = 0; i < 40 && this.deps.store.read().version < answer.body.doc.version; i++) await sleep(25);
          return answer.body.doc;
        }
        if (answer.status === 409) { base = answer.body.doc; continue; }
        await sleep(200);
      } catch {
        await sleep(300);
      }
    }
    throw new UnavailableError('no leader accepted the change: the cluster may have lost its majority');
  }

  /**
   * An operator removes a member (a box retired for good): it stops voting
   * and its work is re-planned. Only on the leader; one membership change at a time.
   */
  async removeMember(id: string): Promise<Doc> {
    if (id === this.deps.nodeId) throw new ConflictError('a node cannot remove itself; remove it from another member');
    if (!this.isLeader) throw new UnavailableError(`not the leader; ask ${this.leaderId ?? 'the leader (none now)'}`);
    const e = await this.driver.propose((head, next) => {
      if (!head) throw new UnavailableError('the cluster has no state yet');
      if (!head.data.members.some((m) => m.id === id)) throw new NotFoundError(`node "${id}" is not a member`);
      const data = withoutMember(head.data, id);
      return { data: { ...data, version: next }, voters: votersOf(data) };
    });
    this.deps.logger.warn({ member: id }, 'member removed by the operator');
    return e!.data;
  }

  /** The peer API this node serves under /v1/peer. */
  handlers(): Record<string, PeerHandler> {
    return {
      'POST /raft': async ({ body, from }) => {
        const msg = parseRaftMessage(body);
        if (msg.from !== from) return { status: 403, body: { error: { code: 'forbidden', message: 'sender mismatch' } } };
        void this.driver.deliver(msg);
        return { status: 202 };
      },
      'POST /hello': ({ body, from, remoteAddress }) => this.discovery.onHello(body, from, remoteAddress),
      'POST /join': ({ body, from, remoteAddress }) => this.leaderWork.onJoin(body, from, remoteAddress),
      'POST /propose': async ({ body }) => {
        const req = proposeSchema.parse(body);
        if (!this.isLeader) return { status: 503, body: { error: { code: 'not-leader', message: 'not the leader' } } };
        try {
          const e = await this.driver.propose((head, next) => {
            if (!head) throw new UnavailableError('no state');
            if (head.data.version !== req.baseVersion) throw new ConflictError('stale base version');
            return { data: { ...(req.doc as Doc), version: next, members: head.data.members, clusterName: head.data.clusterName } };
          });
          return { status: 200, body: { doc: e!.data } };
        } catch (err) {
          if (err instanceof ConflictError) return { status: 409, body: { doc: this.newestDoc() } };
          throw err;
        }
      },
      'GET /doc': () => ({ status: 200, body: { doc: this.newestDoc() ?? null, status: this.status() } }),
    };
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
