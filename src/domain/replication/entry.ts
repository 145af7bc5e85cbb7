/**
 * Replicated state as Raft entries that carry the whole document.
 *
 * The cluster document is small, so an entry is a full snapshot: the leader
 * sends its newest entry and a follower replaces what it holds. This is Raft
 * with every AppendEntries being an InstallSnapshot: (term, index) orders
 * entries exactly as Raft orders log tails, and one leader per term makes an
 * entry's (term, index) name one lineage of changes.
 */

export interface Entry<D> {
  /** Term of the leader that created the entry. */
  term: number;
  /** Position in the lineage; every change adds one. */
  index: number;
  /** The members that vote while this entry is the newest one (Raft's configuration). */
  voters: string[];
  /** The replicated document as of this entry. */
  data: D;
}

export interface EntryRef {
  term: number;
  index: number;
}

/** The position of an entry; an empty log sits at (0, 0). */
export const refOf = (e: EntryRef | null | undefined): EntryRef =>
  e ? { term: e.term, index: e.index } : { term: 0, index: 0 };

/** Compares by term, then index (Raft's "more up-to-date" order). */
export function compareRefs(a: EntryRef, b: EntryRef): number {
  if (a.term !== b.term) return a.term - b.term;
  return a.index - b.index;
}

/** Raft's vote rule: grant only to a candidate whose newest entry is at least as new as ours. */
export const isUpToDate = (candidate: EntryRef, mine: EntryRef): boolean => compareRefs(candidate, mine) >= 0;

export const sameRef = (a: EntryRef, b: EntryRef): boolean => a.term === b.term && a.index === b.index;

/** Strict majority of `n` voters. */
export const majority = (n: number): number => Math.floor(n / 2) + 1;

/**
 * The highest index stored by a majority of `voters`: the leader counts its
 * own newest index and each follower's acknowledged index (0 when unknown).
 */
export function majorityIndex(voters: readonly string[], stored: (id: string) => number): number {
  const values = voters.map(stored).sort((a, b) => b - a);
  return values[majority(voters.length) - 1] ?? 0;
}

/** True when `next` changes the voter set by at most one member (single-server changes). */
export function isSingleVoterChange(prev: readonly string[], next: readonly string[]): boolean {
  const added = next.filter((v) => !prev.includes(v)).length;
  const removed = prev.filter((v) => !next.includes(v)).length;
  return added + removed <= 1;
}
