/**
 * Finding the other boxes: every candidate address (static peers, mDNS
 * announcements) is greeted with a signed hello; only a peer that answers
 * with a valid signature counts. A node with no state joins an existing
 * cluster through its leader, or, when none exists after a grace period and
 * it has the smallest id among the stateless nodes it sees, founds one.
 */
import { randomInt } from 'node:crypto';
import type { ClusterDocument, NodeInventory } from '../domain/types.js';
import { parseBody } from '../http/parse-body.js';
import type { Logger } from '../log.js';
import { sleep } from '../sleep.js';
import type { ClusterTimings } from './cluster-timings.js';
import type { ClusterView } from './cluster-view.js';
import type { PeerCaller } from './peer-client.js';
import { PROTOCOL_VERSION, helloSchema, type Hello } from './peer-messages.js';
import type { PeerReply } from './peer-server.js';

interface KnownPeer {
  id: string;
  address: string;
  hello: Hello;
  seenAt: number;
}

export interface DiscoveryDeps {
  nodeId: string;
  clusterName: string;
  /** host:port at which the other boxes reach this node now (known once the API listens). */
  advertiseAddress: () => string;
  /** Static peers ("host:port"); mDNS adds more through `addCandidate`. */
  staticPeers: string[];
  client: PeerCaller;
  inventory: () => Promise<NodeInventory>;
  /** This node's own (local) document: a cluster founded here starts from it. */
  localDoc: () => ClusterDocument;
  view: ClusterView;
  /** Founds a cluster whose first entry is `doc`, with this node its only member. */
  found: (doc: ClusterDocument) => Promise<void>;
  /** Forgets this node's cluster state, so that it can join another cluster. */
  leave: () => Promise<void>;
  timings: Pick<
    ClusterTimings,
    | 'discoveryIntervalMs'
    | 'discoveryStatelessMs'
    | 'discoveryJitterMs'
    | 'peerFreshMs'
    | 'bootstrapAfterMs'
    | 'helloCallTimeoutMs'
    | 'joinCallTimeoutMs'
  >;
  logger: Logger;
  now: () => number;
}

export class DiscoveryLoop {
  private readonly candidates = new Set<string>();
  private readonly peers = new Map<string, KnownPeer>();
  private startedAt = 0;
  private readonly log: Logger;
  private readonly warned = new Set<string>();

  constructor(private readonly deps: DiscoveryDeps) {
    for (const p of deps.staticPeers) this.candidates.add(p);
    this.log = deps.logger;
  }

  addCandidate(address: string): void {
    if (address === this.deps.advertiseAddress() || this.candidates.has(address)) return;
    this.candidates.add(address);
    this.log.info({ address }, 'peer candidate discovered');
    void this.greet(address);
  }

  addressOf(id: string): string | undefined {
    return this.peers.get(id)?.address;
  }

  knownPeers(): KnownPeer[] {
    return [...this.peers.values()];
  }

  start(signal: AbortSignal): void {
    this.startedAt = this.deps.now();
    const loop = async () => {
      while (!signal.aborted) {
        await Promise.all([...this.candidates].map((a) => this.greet(a)));
        if (signal.aborted) return;
        await this.joinOrFound().catch((e) => this.log.warn({ err: e }, 'join attempt failed'));
        await sleep(this.period(), signal);
      }
    };
    void loop();
  }

  /** Slow once in a cluster; fast, with jitter, while looking for one. */
  private period(): number {
    const t = this.deps.timings;
    if (this.initialized()) return t.discoveryIntervalMs;
    const jitter = Math.floor(t.discoveryJitterMs);
    return t.discoveryStatelessMs + (jitter > 0 ? randomInt(jitter) : 0);
  }

  private initialized(): boolean {
    return this.deps.view.newestDoc() !== undefined;
  }

  private async hello(): Promise<Hello> {
    const s = this.deps.view.snapshot();
    return {
      id: this.deps.nodeId,
      cluster: this.deps.clusterName,
      v: PROTOCOL_VERSION,
      address: this.deps.advertiseAddress(),
      initialized: this.initialized(),
      leader: s.leader,
      term: s.term,
      members: this.deps.view.newestDoc()?.members.length ?? 0,
      inventory: await this.deps.inventory(),
    };
  }

  private async greet(address: string): Promise<void> {
    try {
      const timeout = this.deps.timings.helloCallTimeoutMs;
      const answer = await this.deps.client.call(address, 'POST', '/v1/peer/hello', await this.hello(), timeout);
      if (answer.status !== 200) return;
      this.remember(helloSchema.parse(answer.body) as Hello, address);
    } catch (e) {
      const key = `${address}:${(e as Error).message}`;
      if (!this.warned.has(key) && /signature/.test((e as Error).message)) {
        this.warned.add(key);
        this.log.warn({ address, reason: (e as Error).message }, 'peer ignored: it does not hold the cluster token');
      }
    }
  }

  private remember(h: Hello, address: string): void {
    if (h.id === this.deps.nodeId) return;
    if (h.cluster !== this.deps.clusterName || h.v !== PROTOCOL_VERSION) {
      if (!this.warned.has(h.id)) {
        this.warned.add(h.id);
        const why = 'peer belongs to another cluster or protocol version; ignored';
        this.log.warn({ peer: h.id, cluster: h.cluster, v: h.v }, why);
      }
      return;
    }
    if (!this.peers.has(h.id)) this.log.info({ peer: h.id, address, initialized: h.initialized }, 'peer authenticated');
    this.peers.set(h.id, { id: h.id, address, hello: h, seenAt: this.deps.now() });
  }

  /** POST /v1/peer/hello: the caller proved it holds the token; answer in kind. */
  async onHello(body: unknown, from: string, remoteIp: string): Promise<PeerReply> {
    const h = parseBody(helloSchema, body, 'hello') as Hello;
    if (h.id === from) {
      const port = h.address?.split(':').pop();
      if (port) this.remember(h, `${remoteIp}:${port}`);
    }
    return { status: 200, body: await this.hello() };
  }

  private async joinOrFound(): Promise<void> {
    const now = this.deps.now();
    if (this.initialized()) {
      await this.yieldIfAloneAndEmpty(now);
      return;
    }
    const fresh = [...this.peers.values()].filter((p) => now - p.seenAt < this.deps.timings.peerFreshMs);
    const inCluster = fresh.filter((p) => p.hello.initialized);
    if (inCluster.length) {
      const leaderId = inCluster.find((p) => p.hello.leader)?.hello.leader;
      const target = (leaderId && this.peers.get(leaderId)?.address) ?? inCluster[0]!.address;
      const inv: NodeInventory = await this.deps.inventory();
      const join = { id: this.deps.nodeId, address: this.deps.advertiseAddress(), inventory: inv };
      const answer = await this.deps.client.call<{ leader?: string; leaderAddress?: string }>(
        target,
        'POST',
        '/v1/peer/join',
        join,
        this.deps.timings.joinCallTimeoutMs,
      );
      const joined = "joined the cluster; waiting for the leader's document";
      if (answer.status === 200) this.log.info({ via: target }, joined);
      else if (answer.body?.leaderAddress) this.candidates.add(answer.body.leaderAddress);
      return;
    }
    if (now - this.startedAt < this.deps.timings.bootstrapAfterMs) return;
    const smaller = fresh.filter((p) => p.id < this.deps.nodeId);
    if (smaller.length) return; // the smallest stateless node founds; the others join it
    await this.found();
  }

  /**
   * Two boxes that could not see each other in time may each have founded a
   * cluster. A box alone in a cluster that holds nothing yet (no app, no
   * deployment: nothing acknowledged can be lost) gives its state up and
   * joins the other cluster: a bigger one, or the lone box with the smaller id.
   */
  private async yieldIfAloneAndEmpty(now: number): Promise<void> {
    const doc = this.deps.view.newestDoc();
    if (!doc || doc.members.length !== 1 || doc.apps.length || doc.deployments.length) return;
    const fresh = this.deps.timings.peerFreshMs;
    const other = [...this.peers.values()].find(
      (p) =>
        now - p.seenAt < fresh &&
        p.hello.initialized &&
        ((p.hello.members ?? 0) > 1 || ((p.hello.members ?? 0) === 1 && p.id < this.deps.nodeId)),
    );
    if (!other) return;
    this.log.warn(
      { peer: other.id, members: other.hello.members },
      'another cluster found: this box held nothing yet, so it leaves its own and joins',
    );
    await this.deps.leave();
  }

  private async found(): Promise<void> {
    const inv = await this.deps.inventory();
    const now = this.deps.now();
    const local = this.deps.localDoc();
    const doc: ClusterDocument = {
      ...local,
      clusterName: this.deps.clusterName,
      members: [
        {
          id: this.deps.nodeId,
          address: this.deps.advertiseAddress(),
          joinedAt: now,
          lastSeen: now,
          state: 'alive',
          inventory: inv,
        },
      ],
    };
    this.log.info({ peers: this.peers.size }, 'founding a new cluster');
    await this.deps.found({ ...doc, version: 1 });
  }
}
