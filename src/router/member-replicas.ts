/**
 * What the router knows of the other members: the replicas each runs (and
 * so their ports) and the frames per second arriving there by deployment
 * (for admission shares). Each member answers `GET /v1/peer/replicas` on
 * the signed peer API (the cluster token's HMAC; never the admin token);
 * the router asks every alive member in the background, at most every
 * `ttlMs` and only while frames flow (asks start from directory rebuilds).
 * A frame waits for a member's first answer at most until its deadline
 * (`firstAnswers`); a member that does not answer leaves its replicas "port
 * unknown", and a frame that needs them gets a 503 naming them.
 */
import type { PeerCaller } from '../cluster/peer-client.js';
import { replicasAnswerSchema } from '../cluster/peer-messages.js';
import type { ReplicaStatus } from '../domain/types.js';
import type { Logger } from '../log.js';
import type { RemoteReplicas } from './live-directory.js';

export const PEER_REPLICAS_PATH = '/v1/peer/replicas';

interface Entry {
  replicas?: readonly ReplicaStatus[];
  arrivals?: Readonly<Record<string, number>>;
  /** When the last answer arrived (-Infinity: never). */
  answeredAt: number;
  /** When the last ask failed (-Infinity: never); an answer since clears it. */
  failedAt: number;
  fetchedAt: number;
  inFlight?: Promise<void>;
}

export interface MemberReplicasOptions {
  peers: PeerCaller;
  logger: Logger;
  now: () => number;
  ttlMs?: number;
  timeoutMs?: number;
  /** Called when a member's list arrived (the directory then rebuilds). */
  onUpdate?: () => void;
}

export class MemberReplicas implements RemoteReplicas {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly lastWarn = new Map<string, number>();

  constructor(private readonly opts: MemberReplicasOptions) {
    this.ttlMs = opts.ttlMs ?? 1000;
  }

  snapshot(
    wanted: readonly { id: string; address: string }[],
    now: number,
  ): ReadonlyMap<string, readonly ReplicaStatus[]> {
    const out = new Map<string, readonly ReplicaStatus[]>();
    for (const m of wanted) {
      let e = this.entries.get(m.id);
      if (!e) {
        e = { fetchedAt: -Infinity, answeredAt: -Infinity, failedAt: -Infinity };
        this.entries.set(m.id, e);
      }
      if (e.replicas) out.set(m.id, e.replicas);
      if (!e.inFlight && now - e.fetchedAt >= this.ttlMs) e.inFlight = this.fetch(m, e);
    }
    return out;
  }

  /** The member's last reported arrival rate of `deployment`; undefined when none is recent (3 ttl). */
  arrivalFps(member: string, deployment: string, now: number): number | undefined {
    const e = this.entries.get(member);
    if (!e?.arrivals || now - e.answeredAt > 3 * this.ttlMs) return undefined;
    return e.arrivals[deployment] ?? 0;
  }

  /**
   * The router's own failure detection, ahead of the leader's: the member answered before, its report is
   * no longer recent (arrivalFps is undefined) and the last ask since failed. A box killed is so about
   * 3 ttl after its last answer, where the leader declares it suspect only after its own wait (and first
   * an election, when the box killed led). A member never heard from is not: it may simply be new.
   */
  unreachable(member: string, now: number): boolean {
    const e = this.entries.get(member);
    if (!e?.arrivals || e.failedAt < e.answeredAt) return false;
    return now - e.answeredAt > 3 * this.ttlMs;
  }

  firstAnswers(maxWaitMs: number): Promise<boolean> {
    const first = [...this.entries.values()].filter((e) => !e.replicas && e.inFlight).map((e) => e.inFlight!);
    if (!first.length || maxWaitMs <= 0) return Promise.resolve(false);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((r) => {
      timer = setTimeout(r, maxWaitMs);
    });
    return Promise.race([Promise.all(first), timeout]).then(() => {
      clearTimeout(timer);
      return true;
    });
  }

  close(): void {
    this.entries.clear();
  }

  private async fetch(m: { id: string; address: string }, e: Entry): Promise<void> {
    try {
      const timeout = this.opts.timeoutMs ?? 1000;
      const answer = await this.opts.peers.call(m.address, 'GET', PEER_REPLICAS_PATH, undefined, timeout);
      if (answer.status !== 200) throw new Error(`HTTP ${answer.status}`);
      if (answer.nodeId !== m.id) throw new Error(`answered as ${answer.nodeId}`);
      const parsed = replicasAnswerSchema.parse(answer.body);
      e.replicas = parsed.replicas as ReplicaStatus[];
      e.arrivals = parsed.arrivals;
      e.answeredAt = this.opts.now();
      this.opts.onUpdate?.();
    } catch (err) {
      const now = this.opts.now();
      e.failedAt = now;
      if (now - (this.lastWarn.get(m.id) ?? -Infinity) > 60_000) {
        this.lastWarn.set(m.id, now);
        this.opts.logger.warn(
          { member: m.id, address: m.address, err: (err as Error).message },
          "router: cannot read a member's replicas; frames needing them get 503",
        );
      }
    } finally {
      e.fetchedAt = this.opts.now();
      e.inFlight = undefined;
    }
  }
}
