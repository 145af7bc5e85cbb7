/**
 * Finding the other boxes: every candidate address (static peers, mDNS
 * announcements) is greeted with a signed hello; only a peer that answers
 * with a valid signature counts. A node with no state joins an existing
 * cluster through its leader, or, when none exists after a grace period and
 * it has the smallest id among the stateless nodes it sees, founds one.
 */
import { randomInt } from 'node:crypto';
import type { ClusterDocument, NodeInventory } from '../domain/types.js';
import type { Logger } from '../log.js';
import type { ClusterNode, ClusterNodeDeps } from './cluster-node.js';
import { PROTOCOL_VERSION, helloSchema, type Hello } from './peer-messages.js';
import type { PeerReply } from './peer-server.js';

interface KnownPeer { id: string; address: string; hello: Hello; seenAt: number }

export class DiscoveryLoop {
  private readonly candidates = new Set<string>();
  private readonly peers = new Map<string, KnownPeer>();
  private startedAt = 0;
  private readonly log: Logger;
  private readonly warned = new Set<string>();

  constructor(private readonly node: ClusterNode, private readonly deps: ClusterNodeDeps) {
    for (const p of deps.staticPeers) this.candidates.add(p);
    this.log = deps.logger;
  }

  addCandidate(address: string): void {
    if (address === this.deps.advertiseAddress || this.candidates.has(address)) return;
    this.candidates.add(address);
    this.log.info({ address }, 'peer candidate discovered');
    void this.greet(address);
  }

  addressOf(id: string): string | undefined { return this.peers.get(id)?.address; }

  knownPeers(): KnownPeer[] { return [...this.peers.values()]; }

  start(signal: AbortSignal): void {
    this.startedAt = this.deps.now();
    const loop = async () => {
      while (!signal.aborted) {
        await Promise.all([...this.candidates].map((a) => this.greet(a)));
        await this.joinOrFound().catch((e) => this.log.warn({ err: e }, 'join attempt failed'));
        await new Promise((r) => setTimeout(r, this.node.initialized ? 3000 : 500 + randomInt(500)));
      }
    };
    void loop();
  }

  private async hello(): Promise<Hello> {
    const s = this.node.driver.snapshot;
    return {
      id: this.deps.nodeId, cluster: this.deps.clusterName, v: PROTOCOL_VERSION, address: this.deps.advertiseAddress,
      initialized: this.node.initialized, leader: s.leader, term: s.term, members: this.node.newestDoc()?.members.length ?? 0,
      inventory: await this.deps.inventory(),
    };
  }

  private async greet(address: string): Promise<void> {
    try {
      const answer = await this.deps.client.call(address, 'POST', '/v1/peer/hello', await this.hello(), 1500);
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
      if (!this.warned.has(h.id)) { this.warned.add(h.id); this.log.warn({ peer: h.id, cluster: h.cluster, v: h.v }, 'peer belongs to another cluster or protocol version; ignored'); }
      return;
    }
    if (!this.peers.has(h.id)) this.log.info({ peer: h.id, address, initialized: h.initialized }, 'peer authenticated');
    this.peers.set(h.id, { id: h.id, address, hello: h, seenAt: this.deps.now() });
  }

  /** POST /v1/peer/hello: the caller proved it holds the token; answer in kind. */
  async onHello(body: unknown, from: string, remoteIp: string): Promise<PeerReply> {
    const h = helloSchema.parse(body) as Hello;
    if (h.id === from) {
      const port = h.address?.split(':').pop();
      if (port) this.remember(h, `${remoteIp}:${port}`);
    }
    return { status: 200, body: await this.hello() };
  }

  private async joinOrFound(): Promise<void> {
    const now = this.deps.now();
    if (this.node.initialized) {
      await this.yieldIfAloneAndEmpty(now);
      return;
    }
    const fresh = [...this.peers.values()].filter((p) => now - p.seenAt < 5000);
    const inCluster = fresh.filter((p) => p.hello.initialized);
    if (inCluster.length) {
      const leaderId = inCluster.find((p) => p.hello.leader)?.hello.leader;
      const target = (leaderId && this.peers.get(leaderId)?.address) ?? inCluster[0]!.address;
      const inv: NodeInventory = await this.deps.inventory();
      const answer = await this.deps.client.call<{ leader?: string; leaderAddress?: string }>(
        target, 'POST', '/v1/peer/join', { id: this.deps.nodeId, address: this.deps.advertiseAddress, inventory: inv }, 6000,
      );
      if (answer.status === 200) this.log.info({ via: target }, 'joined the cluster; waiting for the leader\'s document');
      else if (answer.body?.leaderAddress) this.candidates.add(answer.body.leaderAddress);
      return;
    }
    if (now - this.startedAt < (this.deps.bootstrapAfterMs ?? 3000)) return;
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
    const doc = this.node.newestDoc();
    if (!doc || doc.members.length !== 1 || doc.apps.length || doc.deployments.length) return;
    const other = [...this.peers.values()].find((p) => now - p.seenAt < 5000 && p.hello.initialized
      && ((p.hello.members ?? 0) > 1 || ((p.hello.members ?? 0) === 1 && p.id < this.deps.nodeId)));
    if (!other) return;
    this.log.warn({ peer: other.id, members: other.hello.members }, 'another cluster found: this box held nothing yet, so it leaves its own and joins');
    await this.node.driver.reset();
  }

  private async found(): Promise<void> {
    const inv = await this.deps.inventory();
    const now = this.deps.now();
    const local = this.deps.store.read();
    const doc: ClusterDocument = {
      ...local,
      clusterName: this.deps.clusterName,
      members: [{ id: this.deps.nodeId, address: this.deps.advertiseAddress, joinedAt: now, lastSeen: now, state: 'alive', inventory: inv }],
    };
    this.log.info({ peers: this.peers.size }, 'founding a new cluster');
    await this.node.driver.bootstrap({ ...doc, version: 1 });
  }
}
