/**
 * This box's admitted rate for each deployment, as its share of the
 * cluster-wide rate (domain/routing/admission-share.ts): its own arrival
 * rate against those the alive members last reported over the peer API.
 * A member that is not alive in the snapshot (suspect, dead), or that this
 * box finds unreachable itself (`suspect`), is left out of the shares at
 * once: its arrivals count as 0 and it is not counted among the boxes.
 * Recomputed at most every `recomputeMs` (100 ms) per deployment, on the frame path
 * (a map lookup per frame otherwise); without other members it is the
 * deployment's full rate.
 */
import { admissionShare } from '../domain/routing/admission-share.js';
import type { Member } from '../domain/types.js';

export interface ClusterAdmissionDeps {
  self: string;
  /** The members of the router's current snapshot (undefined before the first). */
  members: () => readonly Member[] | undefined;
  /** A member's last reported arrival rate of a deployment (undefined: unknown). */
  reported: (member: string, deployment: string, now: number) => number | undefined;
  /**
   * Whether this box takes an alive member for down before the leader says so (its report stale and
   * its peer API not answering: MemberReplicas.unreachable). Absent: none is.
   */
  suspect?: (member: string, now: number) => boolean;
  /** The arrival rate of a deployment at this box. */
  own: (deployment: string, now: number) => number;
  recomputeMs?: number;
}

interface Cached {
  fps: number;
  rate: number;
  at: number;
}

export class ClusterAdmission {
  private readonly cache = new Map<string, Cached>();
  private readonly recomputeMs: number;

  constructor(private readonly deps: ClusterAdmissionDeps) {
    this.recomputeMs = deps.recomputeMs ?? 100;
  }

  /** Frames per second this box may admit for `name`, admitted at `fps` cluster-wide. */
  rateOf(name: string, fps: number, now: number): number {
    const c = this.cache.get(name);
    if (c && c.fps === fps && now - c.at < this.recomputeMs) return c.rate;
    const others: (number | undefined)[] = [];
    for (const m of this.deps.members() ?? []) {
      if (m.id === this.deps.self || m.state !== 'alive' || this.deps.suspect?.(m.id, now)) continue;
      others.push(this.deps.reported(m.id, name, now));
    }
    const rate = admissionShare({ fps, own: this.deps.own(name, now), others });
    this.cache.set(name, { fps, rate, at: now });
    return rate;
  }

  /** Forgets deployments no longer present. */
  retain(names: ReadonlySet<string>): void {
    for (const n of this.cache.keys()) if (!names.has(n)) this.cache.delete(n);
  }
}
