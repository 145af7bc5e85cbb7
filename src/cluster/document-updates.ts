/**
 * How a change enters the replicated document (ClusterNode.update): on the
 * leader it is proposed to the election machine; on a follower it is
 * computed, then sent to the leader as a compare-and-set on the version it
 * was computed from. Whether a change is refused (a deployment that does not
 * exist, one that exists with other settings) is decided on the leader's
 * document, never on this node's copy alone, which may be behind the leader:
 * a deployment the cluster acknowledged a moment ago is undeployed through
 * any box at once.
 */
import { parseClusterDocument } from '../domain/cluster-document-schema.js';
import { GoneAfterUnclearAttemptError, NotFoundError, UnavailableError } from '../domain/errors.js';
import type { ClusterDocument } from '../domain/types.js';
import { sleep } from '../sleep.js';
import type { ClusterTimings } from './cluster-timings.js';
import type { ClusterView } from './cluster-view.js';
import type { PeerCaller } from './peer-client.js';

type Doc = ClusterDocument;

/** A document the leader sent, validated as every received document is; undefined when it is not one. */
function leadersDoc(raw: unknown): Doc | undefined {
  try {
    return parseClusterDocument(raw, "the leader's document");
  } catch {
    return undefined;
  }
}

export interface DocumentUpdatesDeps {
  view: Pick<ClusterView, 'isLeader' | 'propose'>;
  /** host:port of the leader this node knows now; none while it knows none. */
  leaderAddress: () => string | undefined;
  /** The committed document this node holds (its store). */
  localDoc: () => Doc;
  client: PeerCaller;
  timings: ClusterTimings;
  /** Aborted when the node stops: the waits end then. */
  stopped: () => AbortSignal;
}

export class DocumentUpdates {
  constructor(private readonly deps: DocumentUpdatesDeps) {}

  /**
   * Applies `change` to the cluster document and resolves once a majority
   * stored the result. On a follower the new document is sent to the
   * leader, valid only on top of the version it was computed from; on a
   * conflict `change` runs again on the leader's newer document. A refusal
   * (a throw from `change`) on this node's own copy is checked again on the
   * leader's document, which decides. Once an attempt's answer was lost (it
   * may have been applied), a NotFoundError from `change` comes out as
   * GoneAfterUnclearAttemptError.
   */
  async update(change: (doc: Doc) => Doc | void): Promise<Doc> {
    let unclear = false;
    const fn = (doc: Doc): Doc => {
      const copy = structuredClone(doc);
      try {
        return change(copy) ?? copy;
      } catch (e) {
        if (unclear && e instanceof NotFoundError && !(e instanceof GoneAfterUnclearAttemptError))
          throw new GoneAfterUnclearAttemptError(e.message, { cause: e });
        throw e;
      }
    };
    const { timings: t, view } = this.deps;
    /** The leader's document (from a 409, or asked for to check a refusal); until then, this node's copy. */
    let base: Doc | undefined;
    for (let attempt = 0; attempt < t.updateAttempts; attempt++) {
      if (view.isLeader()) {
        const e = await view.propose((head, next) => {
          if (!head) throw new UnavailableError('the cluster has no state yet');
          return { data: { ...fn(head.data), version: next } };
        });
        return e!.data;
      }
      const address = this.deps.leaderAddress();
      if (!address) {
        await this.wait(t.updateRetryMs);
        continue;
      }
      const from = base ?? this.deps.localDoc();
      let next: Doc;
      try {
        next = fn(from);
      } catch (e) {
        if (base) throw e; // refused on the leader's document: the refusal stands
        base = await this.leaderDoc(address); // this node's copy may be behind: the leader's decides
        if (!base) await this.wait(t.updateRetryMs);
        continue;
      }
      let answer;
      try {
        const body = { baseVersion: from.version, doc: next };
        answer = await this.deps.client.call<{ doc: Doc }>(
          address,
          'POST',
          '/v1/peer/propose',
          body,
          t.proposeCallTimeoutMs,
        );
      } catch {
        unclear = true; // no answer: the leader may have stored it
        await this.wait(t.updateRetryMs);
        continue;
      }
      if (answer.status === 200) {
        await this.readYourWrites(answer.body.doc.version);
        return answer.body.doc;
      }
      if (answer.status === 409) {
        base = leadersDoc(answer.body.doc);
        continue;
      }
      if (answer.status >= 500) unclear = true; // e.g. the leader's own wait for a majority ran out
      await this.wait(t.updateRefusedRetryMs);
    }
    throw new UnavailableError('no leader accepted the change: the cluster may have lost its majority');
  }

  /** The newest document of the node at `address`, if it answers as the leader; undefined otherwise. */
  private async leaderDoc(address: string): Promise<Doc | undefined> {
    try {
      const answer = await this.deps.client.call<{ doc: unknown; status?: { role?: string } }>(
        address,
        'GET',
        '/v1/peer/doc',
        undefined,
        this.deps.timings.proposeCallTimeoutMs,
      );
      if (answer.status !== 200 || answer.body?.status?.role !== 'leader') return undefined;
      return leadersDoc(answer.body.doc);
    } catch {
      return undefined; // unreachable: ask again on the next attempt
    }
  }

  private async wait(ms: number): Promise<void> {
    const stopped = this.deps.stopped();
    await sleep(ms, stopped);
    if (stopped.aborted) throw new UnavailableError('the node is shutting down; the change may not have been stored');
  }

  /** Waits (briefly) until this node holds the committed result of its own change too. */
  private async readYourWrites(version: number): Promise<void> {
    const t = this.deps.timings;
    const stopped = this.deps.stopped();
    const polls = Math.ceil(t.readYourWritesMs / t.readYourWritesPollMs);
    for (let i = 0; i < polls && !stopped.aborted && this.deps.localDoc().version < version; i++) {
      await sleep(t.readYourWritesPollMs, stopped);
    }
  }
}
