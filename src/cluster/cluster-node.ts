/**
 * One appliance's place in the cluster: it builds the election machine's
 * driver, the discovery and join loop, the leader's work loop and the peer
 * API's handlers, handing each a narrow view (ClusterView) rather than
 * itself; and it offers `update(fn)`, the only way a change enters the
 * replicated document (on a follower it is forwarded to the leader as a
 * compare-and-set: DocumentUpdates).
 */
import { linkProbeHandlers, measureLink } from './link-probe.js';
import type { Store } from '../adapters/store.js';
import type { ClusterStatus } from '../domain/cluster-status.js';
import { DEFAULT_RAFT_CONFIG, type PersistentState, type RaftConfig } from '../domain/election/types.js';
import { ConflictError, NotFoundError, UnavailableError } from '../domain/errors.js';
import { DEFAULT_FAILURE_DETECTOR, type FailureDetectorConfig } from '../domain/membership/failure-detector.js';
import { votersOf, withoutMember } from '../domain/membership/member-changes.js';
import type { ClusterPlanner } from '../domain/planning/planner.js';
import type { LoadWatchTuning, MeasureLoad } from './load-watch.js';
import { newest } from '../domain/replication/log-state.js';
import type { ClusterDocument, NodeInventory } from '../domain/types.js';
import type { Logger } from '../log.js';
import { clusterTimings, type ClusterTimings } from './cluster-timings.js';
import type { ClusterView } from './cluster-view.js';
import { DiscoveryLoop } from './discovery-loop.js';
import { DocumentUpdates } from './document-updates.js';
import { LeaderWork } from './leader-work.js';
import type { PeerCaller } from './peer-client.js';
import type { ProfileTaskRequest } from './peer-messages.js';
import { peerHandlers } from './peer-handlers.js';
import type { PeerHandler } from './peer-server.js';
import { RaftDriver } from './raft-driver.js';

export interface ClusterNodeDeps {
  nodeId: string;
  clusterName: string;
  /** host:port at which the other boxes reach this node's API (see setAdvertiseAddress). */
  advertiseAddress: string;
  store: Store;
  client: PeerCaller;
  inventory: () => Promise<NodeInventory>;
  /** Static peers ("host:port"); mDNS adds more through `addCandidate`. */
  staticPeers: string[];
  logger: Logger;
  now: () => number;
  raft?: RaftConfig;
  detector?: FailureDetectorConfig;
  /** Waits, periods and timeouts; fields left out keep DEFAULT_CLUSTER_TIMINGS. */
  timings?: Partial<ClusterTimings>;
  /** The leader's planner; without one the leader keeps whatever plan the document has. */
  planner?: ClusterPlanner;
  /** The cluster's merged measurements per deployment (the leader re-plans on load); none: it never does. */
  measure?: MeasureLoad;
  loadTuning?: LoadWatchTuning;
}

type Doc = ClusterDocument;

export class ClusterNode {
  readonly driver: RaftDriver<Doc>;
  readonly discovery: DiscoveryLoop;
  private readonly timings: ClusterTimings;
  private readonly leaderWork: LeaderWork;
  private readonly updates: DocumentUpdates;
  private readonly view: ClusterView;
  private readonly raft: RaftConfig;
  private readonly listeners: ((doc: Doc) => void | Promise<void>)[] = [];
  private advertise: string;
  private profileTasks: ((task: ProfileTaskRequest) => Promise<void>) | undefined;
  /** Aborted when the node stops: update()'s waits end then. */
  private stopped: AbortSignal = new AbortController().signal;

  constructor(private readonly deps: ClusterNodeDeps) {
    const log = deps.logger;
    const timings = clusterTimings(deps.timings);
    this.timings = timings;
    this.raft = deps.raft ?? DEFAULT_RAFT_CONFIG;
    this.advertise = deps.advertiseAddress;
    this.driver = new RaftDriver<Doc>({
      id: deps.nodeId,
      cfg: this.raft,
      now: deps.now,
      logger: log,
      tickMs: timings.raftTickMs,
      proposeTimeoutMs: timings.proposeTimeoutMs,
      persistence: {
        load: () => deps.store.local().raft as PersistentState<Doc> | undefined,
        save: async (s) => {
          await deps.store.updateLocal((l) => {
            l.raft = s;
          });
        },
      },
      send: (msg) => {
        const address = this.addressOf(msg.to);
        if (!address) return;
        deps.client.call(address, 'POST', '/v1/peer/raft', msg, timings.raftCallTimeoutMs).catch(() => undefined);
      },
    });
    this.driver.onCommit(async (entry) => {
      await deps.store.replace(entry.data);
      for (const fn of this.listeners) await fn(entry.data);
    });
    this.driver.onRole((role, term, leader) => {
      log.info({ role, term, leader }, role === 'leader' ? 'this node leads the cluster' : 'role changed');
    });
    const driver = this.driver;
    this.view = {
      snapshot: () => driver.snapshot,
      isLeader: () => this.isLeader,
      newestDoc: () => this.newestDoc(),
      addressOf: (id) => this.addressOf(id),
      propose: (make) => driver.propose(make),
      onRole: (fn) => driver.onRole(fn),
    };
    this.discovery = new DiscoveryLoop({
      nodeId: deps.nodeId,
      clusterName: deps.clusterName,
      advertiseAddress: () => this.advertise,
      staticPeers: deps.staticPeers,
      client: deps.client,
      inventory: deps.inventory,
      localDoc: () => deps.store.read(),
      view: this.view,
      found: (doc) => driver.bootstrap(doc),
      leave: () => driver.reset(),
      timings,
      logger: log,
      now: deps.now,
    });
    this.updates = new DocumentUpdates({
      view: this.view,
      leaderAddress: () => {
        const leader = this.leaderId;
        return leader ? this.addressOf(leader) : undefined;
      },
      localDoc: () => deps.store.read(),
      client: deps.client,
      timings,
      stopped: () => this.stopped,
    });
    this.leaderWork = new LeaderWork({
      nodeId: deps.nodeId,
      view: this.view,
      detector: deps.detector ?? DEFAULT_FAILURE_DETECTOR,
      planner: deps.planner,
      measure: deps.measure,
      loadTuning: deps.loadTuning,
      timings,
      reportedInventories: () => this.reportedInventories(),
      measureLink: (id, address) => measureLink(deps.client, id, address),
      logger: log,
      now: deps.now,
    });
  }

  /** Each member's inventory as it reports it now: this node's own, and each peer's last fresh hello. */
  private async reportedInventories(): Promise<Map<string, NodeInventory>> {
    const now = this.deps.now();
    const out = new Map<string, NodeInventory>();
    for (const p of this.discovery.knownPeers()) {
      const inv = p.hello.inventory;
      if (inv && inv.id === p.id && now - p.seenAt < this.timings.peerFreshMs) out.set(p.id, inv);
    }
    out.set(this.deps.nodeId, await this.deps.inventory());
    return out;
  }

  start(signal: AbortSignal): void {
    this.stopped = signal;
    this.runStoredDocumentUnlessSuperseded(signal);
    this.driver.start(signal);
    this.discovery.start(signal);
    this.leaderWork.start(signal);
  }

  /** host:port at which the other boxes reach this node's API. */
  get advertiseAddress(): string {
    return this.advertise;
  }

  /** Set once the API listens (its port may have been chosen then). */
  setAdvertiseAddress(address: string): void {
    this.advertise = address;
  }

  /** Called with every newly committed document (after the store holds it). */
  onCommitted(fn: (doc: Doc) => void | Promise<void>): void {
    this.listeners.push(fn);
  }

  /** A peer address announced by mDNS (or configured): it will be greeted and authenticated. */
  addCandidate(address: string): void {
    this.discovery.addCandidate(address);
  }

  get initialized(): boolean {
    return newest(this.driver.snapshot) !== null;
  }
  get isLeader(): boolean {
    return this.driver.snapshot.role === 'leader';
  }
  get leaderId(): string | null {
    return this.driver.snapshot.leader;
  }

  /** The newest document this node holds (the leader's may be ahead of what is committed). */
  newestDoc(): Doc | undefined {
    return newest(this.driver.snapshot)?.data;
  }

  addressOf(id: string): string | undefined {
    if (id === this.deps.nodeId) return this.advertise;
    return this.newestDoc()?.members.find((m) => m.id === id)?.address ?? this.discovery.addressOf(id);
  }

  /** A member, or a peer this node greeted; any node while this one holds no state (it is being let in). */
  knowsPeer(id: string): boolean {
    const doc = this.newestDoc();
    return !doc || doc.members.some((m) => m.id === id) || this.discovery.addressOf(id) !== undefined;
  }

  status(): ClusterStatus {
    const s = this.driver.snapshot;
    const doc = this.newestDoc() ?? this.deps.store.read();
    const voters = doc ? votersOf(doc) : [];
    const lastSeen = (id: string, stored: number) => {
      if (s.role !== 'leader') return stored;
      return id === this.deps.nodeId ? this.deps.now() : (s.ackAt[id] ?? stored);
    };
    return {
      name: this.deps.clusterName,
      self: this.deps.nodeId,
      role: s.role,
      leader: s.leader,
      term: s.term,
      committedIndex: s.committed?.index ?? 0,
      members: (doc?.members ?? []).map((m) => ({
        id: m.id,
        address: m.address,
        state: m.state,
        voter: voters.includes(m.id),
        lastSeen: lastSeen(m.id, m.lastSeen),
      })),
    };
  }

  /**
   * Applies `change` to the cluster document and resolves once a majority stored the result; on a
   * follower it goes to the leader, whose document decides a refusal (see DocumentUpdates).
   */
  update(change: (doc: Doc) => Doc | void): Promise<Doc> {
    return this.updates.update(change);
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
      ...linkProbeHandlers(),
      ...this.clusterHandlers(),
    };
  }

  private clusterHandlers(): Record<string, PeerHandler> {
    return peerHandlers({
      view: this.view,
      deliver: (msg) => this.driver.deliver(msg),
      hello: (body, from, ip) => this.discovery.onHello(body, from, ip),
      join: (body, from, ip) => this.leaderWork.onJoin(body, from, ip),
      status: () => this.status(),
      profile: (task) => {
        if (!this.profileTasks) throw new UnavailableError('this box does not profile (profiling is off)');
        return this.profileTasks(task);
      },
    });
  }

  /** Who runs the profiling tasks the leader hands this box (the appliance's profiler). */
  onProfileTask(fn: (task: ProfileTaskRequest) => Promise<void>): void {
    this.profileTasks = fn;
  }

  /** Hands `node` a profiling task over the signed peer API; resolves once it answered 202. */
  async sendProfileTask(node: string, task: ProfileTaskRequest): Promise<void> {
    const address = this.addressOf(node);
    if (!address) throw new UnavailableError(`no address for box ${node}`);
    const answer = await this.deps.client.call<{ error?: { message?: string } }>(
      address,
      'POST',
      '/v1/peer/profile',
      task,
      this.timings.proposeCallTimeoutMs,
    );
    if (answer.status !== 202) throw new UnavailableError(answer.body?.error?.message ?? `answered ${answer.status}`);
  }

  /**
   * What this node last knew to be committed stays in force while no leader speaks (edge autonomy across
   * restarts); a leader that answers within an election timeout or so supersedes it without a detour.
   */
  private runStoredDocumentUnlessSuperseded(signal: AbortSignal): void {
    const committed = this.driver.snapshot.committed;
    if (!committed) return;
    let superseded = false;
    this.onCommitted(() => {
      superseded = true;
    });
    const timer = setTimeout(() => {
      if (superseded || signal.aborted) return;
      this.deps.logger.info({ version: committed.data.version }, 'no leader yet: running the stored plan');
      void (async () => {
        for (const fn of this.listeners) await fn(committed.data);
      })().catch((e) => this.deps.logger.error({ err: e }, 'applying the stored document failed'));
    }, this.raft.electionMaxMs * this.timings.storedPlanAfterElections);
    signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  }
}
