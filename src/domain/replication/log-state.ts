/**
 * What a node holds of the replicated lineage: the newest entry it knows to
 * be committed and the entries after it that are not (yet). Pure functions;
 * the election machine persists the result.
 */
import { compareRefs, type Entry, type EntryRef, refOf } from './entry.js';

export interface LogState<D> {
  committed: Entry<D> | null;
  /** Uncommitted entries, ascending index, all after `committed`. */
  pending: Entry<D>[];
}

/** Followers keep this many uncommitted entries of the current leader; the leader up to `maxPending`. */
export const FOLLOWER_PENDING_LIMIT = 16;

export const newest = <D>(log: LogState<D>): Entry<D> | null => log.pending.at(-1) ?? log.committed;
export const newestRef = <D>(log: LogState<D>): EntryRef => refOf(newest(log));

/**
 * A follower receives `entry` from the leader of `term` (its current term).
 * Entries from that leader all carry `term`; anything newer in (term, index)
 * order replaces what the follower has beyond its committed entry, since the
 * leader's lineage holds every committed change. Older duplicates are ignored.
 */
export function acceptFromLeader<D>(log: LogState<D>, entry: Entry<D>, term: number): LogState<D> {
  if (entry.term !== term) return log;
  if (compareRefs(entry, newestRef(log)) <= 0) return log;
  if (log.committed && entry.index <= log.committed.index) return log;
  const sameLeader = log.pending.filter((p) => p.term === term && p.index < entry.index);
  return { committed: log.committed, pending: [...sameLeader, entry].slice(-FOLLOWER_PENDING_LIMIT) };
}

/**
 * Marks as committed the newest pending entry of `term` at or below
 * `commitIndex`. Only entries of the current leader's term are committed
 * from its word: an older-term entry could belong to another lineage.
 */
export function commitUpTo<D>(log: LogState<D>, commitIndex: number, term: number): LogState<D> {
  let chosen: Entry<D> | undefined;
  for (const p of log.pending) if (p.term === term && p.index <= commitIndex) chosen = p;
  if (!chosen) return log;
  const c = chosen;
  return { committed: c, pending: log.pending.filter((p) => p.index > c.index) };
}

/** The leader commits index `n` of its own pending entries (all in its lineage). */
export function leaderCommit<D>(log: LogState<D>, n: number): LogState<D> {
  let chosen: Entry<D> | undefined;
  for (const p of log.pending) if (p.index <= n) chosen = p;
  if (!chosen) return log;
  const c = chosen;
  return { committed: c, pending: log.pending.filter((p) => p.index > c.index) };
}

/** The leader appends an entry after its newest one. */
export function append<D>(log: LogState<D>, term: number, voters: string[], data: D): LogState<D> {
  const index = newestRef(log).index + 1;
  return { committed: log.committed, pending: [...log.pending, { term, index, voters, data }] };
}
