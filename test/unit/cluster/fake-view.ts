/** A one-node leader's election view for LeaderWork tests: proposals apply at once, unless `refuse` says lost. */
import type { ClusterView } from '../../../src/cluster/cluster-view.js';
import type { ChangeMaker } from '../../../src/cluster/raft-driver.js';
import type { Entry } from '../../../src/domain/replication/entry.js';
import type { ClusterDocument } from '../../../src/domain/types.js';

export class FakeView implements ClusterView {
  head: Entry<ClusterDocument>;
  proposals: ClusterDocument[] = [];
  /** Runs before a proposal sees the head (another change committing in between). */
  before?: (make: ChangeMaker<ClusterDocument>) => void;
  refuse?: (data: ClusterDocument) => boolean;
  /** Awaited once a proposal has applied, before it resolves (a commit that takes a while). */
  settle?: (data: ClusterDocument) => Promise<void>;
  constructor(doc: ClusterDocument) {
    this.head = { term: 1, index: 1, voters: ['n1'], data: doc };
  }
  snapshot() {
    return { role: 'leader', leader: 'n1', term: 1, ackAt: {}, becameLeaderAt: 0 } as never;
  }
  isLeader() {
    return true;
  }
  newestDoc() {
    return this.head.data;
  }
  addressOf() {
    return undefined;
  }
  onRole() {}
  async propose(make: ChangeMaker<ClusterDocument>) {
    this.before?.(make);
    const change = make(this.head, this.head.index + 1);
    if (!change) return null;
    if (this.refuse?.(change.data)) return null;
    this.proposals.push(change.data);
    this.head = { ...this.head, index: this.head.index + 1, data: change.data };
    const head = this.head;
    await this.settle?.(change.data);
    return head;
  }
}
