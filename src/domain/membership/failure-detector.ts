/**
 * Failure detection by heartbeats, as pure rules: a member the leader has
 * not heard from for `suspectAfterMs` is suspect, after `deadAfterMs` dead,
 * and after `expireAfterMs` (memberExpiry) it may be removed. Time is an
 * argument; the leader's driver feeds it what it last heard and when.
 */
import type { Member } from '../types.js';

export interface FailureDetectorConfig {
  suspectAfterMs: number;
  deadAfterMs: number;
  /** Dead this long: the member is dropped from the cluster (docs/design.md memberExpiry); 0 = never. */
  expireAfterMs: number;
}

/** Defaults sized for the failover targets: a dead box is declared within 3 s. */
export const DEFAULT_FAILURE_DETECTOR: FailureDetectorConfig = {
  suspectAfterMs: 1500,
  deadAfterMs: 3000,
  expireAfterMs: 24 * 3600 * 1000,
};

export type Liveness = 'alive' | 'suspect' | 'dead';

export function liveness(lastSeen: number, now: number, cfg: FailureDetectorConfig): Liveness {
  const silent = now - lastSeen;
  if (silent >= cfg.deadAfterMs) return 'dead';
  if (silent >= cfg.suspectAfterMs) return 'suspect';
  return 'alive';
}

export interface MemberTransition {
  id: string;
  from: Member['state'];
  to: Member['state'];
}

/**
 * The state changes the leader should record: `heard(id)` is when it last
 * heard from a member (undefined: not since it took office, counted from
 * `since`). The leader itself is always alive; members that left stay left.
 */
export function memberTransitions(
  members: readonly Member[],
  selfId: string,
  heard: (id: string) => number | undefined,
  since: number,
  now: number,
  cfg: FailureDetectorConfig,
): MemberTransition[] {
  const out: MemberTransition[] = [];
  for (const m of members) {
    if (m.state === 'left') continue;
    // Unheard since this leader took office (or since it joined, if later): counted from then.
    const to: Liveness = m.id === selfId ? 'alive' : liveness(heard(m.id) ?? Math.max(since, m.joinedAt), now, cfg);
    if (to !== m.state) out.push({ id: m.id, from: m.state, to });
  }
  return out;
}

/** Members dead for longer than `expireAfterMs`, given when each was last seen. */
export function expiredMembers(members: readonly Member[], now: number, cfg: FailureDetectorConfig): string[] {
  if (cfg.expireAfterMs <= 0) return [];
  return members.filter((m) => m.state === 'dead' && now - m.lastSeen >= cfg.expireAfterMs).map((m) => m.id);
}
