/**
 * One step's working copy: handlers change `s` and push effects; `step`
 * hands back a fresh state, never the caller's.
 */
import { newestRef } from '../replication/log-state.js';
import type { EntryRef } from '../replication/entry.js';
import type { RaftConfig, RaftEffect, RaftMessage, RaftState, Role } from './types.js';

export interface Ctx<D> {
  s: RaftState<D>;
  fx: RaftEffect<D>[];
  cfg: RaftConfig;
  now: number;
  persist: boolean;
}

/** mulberry32: a tiny deterministic PRNG so the machine stays pure. */
export function nextRandom(seed: number): { value: number; seed: number } {
  const next = (seed + 0x6d2b79f5) >>> 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return { value: ((t ^ (t >>> 14)) >>> 0) / 4294967296, seed: next };
}

export function resetElectionTimer<D>(c: Ctx<D>): void {
  const r = nextRandom(c.s.seed);
  c.s.seed = r.seed;
  c.s.electionDeadline = c.now + c.cfg.electionMinMs + r.value * (c.cfg.electionMaxMs - c.cfg.electionMinMs);
}

export const voters = <D>(s: RaftState<D>): string[] => (s.pending.at(-1) ?? s.committed)?.voters ?? [];

export const isVoter = <D>(s: RaftState<D>): boolean => voters(s).includes(s.id);

export const peers = <D>(s: RaftState<D>): string[] => voters(s).filter((v) => v !== s.id);

export const lastRef = <D>(s: RaftState<D>): EntryRef => newestRef(s);

export function send<D>(c: Ctx<D>, msg: RaftMessage<D>): void {
  c.fx.push({ kind: 'send', msg });
}

function setRole<D>(c: Ctx<D>, role: Role, leader: string | null): void {
  const changed = c.s.role !== role || c.s.leader !== leader;
  c.s.role = role;
  c.s.leader = leader;
  if (changed) c.fx.push({ kind: 'role', role, term: c.s.term, leader });
}

/** Follows `leader` (or nobody) in `term`; a new term clears the vote. */
export function becomeFollower<D>(c: Ctx<D>, term: number, leader: string | null): void {
  if (term > c.s.term) {
    c.s.term = term;
    c.s.votedFor = null;
    c.persist = true;
  }
  c.s.votes = [];
  c.s.match = {};
  c.s.ackAt = {};
  setRole(c, 'follower', leader);
}

export function becomeRole<D>(c: Ctx<D>, role: Role, leader: string | null): void {
  setRole(c, role, leader);
}
