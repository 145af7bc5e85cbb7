/**
 * Pre-vote and vote (Raft §5.2, §5.4.1, and the pre-vote of §9.6): a node
 * first asks whether it could win without touching anyone's term, so a box
 * cut off from the majority never inflates terms and rejoins without
 * deposing the leader.
 */
import { isUpToDate, majority } from '../replication/entry.js';
import {
  becomeFollower,
  becomeRole,
  type Ctx,
  isVoter,
  lastRef,
  peers,
  resetElectionTimer,
  send,
  voters,
} from './context.js';
import { becomeLeader } from './leader.js';
import type { RaftMessage } from './types.js';

/** Election timer fired: start a pre-vote round (or win at once when alone). */
export function startPreVote<D>(c: Ctx<D>): void {
  if (!isVoter(c.s)) return;
  resetElectionTimer(c);
  becomeRole(c, 'precandidate', null);
  c.s.votes = [c.s.id];
  for (const to of peers(c.s))
    send(c, { type: 'prevote-req', term: c.s.term + 1, from: c.s.id, to, last: lastRef(c.s) });
  if (c.s.votes.length >= majority(voters(c.s).length)) startElection(c);
}

function startElection<D>(c: Ctx<D>): void {
  c.s.term += 1;
  c.s.votedFor = c.s.id;
  c.persist = true;
  becomeRole(c, 'candidate', null);
  c.s.votes = [c.s.id];
  resetElectionTimer(c);
  for (const to of peers(c.s)) send(c, { type: 'vote-req', term: c.s.term, from: c.s.id, to, last: lastRef(c.s) });
  if (c.s.votes.length >= majority(voters(c.s).length)) becomeLeader(c);
}

/** A follower that heard from a live leader recently refuses to help depose it. */
const inLease = <D>(c: Ctx<D>): boolean =>
  c.s.role === 'leader' || (c.s.leader !== null && c.now - c.s.leaderContactAt < c.cfg.electionMinMs);

export function onPreVoteRequest<D>(c: Ctx<D>, m: Extract<RaftMessage<D>, { type: 'prevote-req' }>): void {
  const granted = m.term > c.s.term && isUpToDate(m.last, lastRef(c.s)) && !inLease(c);
  send(c, { type: 'prevote-resp', term: granted ? m.term : c.s.term, from: c.s.id, to: m.from, granted });
}

export function onPreVoteResponse<D>(c: Ctx<D>, m: Extract<RaftMessage<D>, { type: 'prevote-resp' }>): void {
  if (!m.granted) {
    if (m.term > c.s.term) becomeFollower(c, m.term, null);
    return;
  }
  if (c.s.role !== 'precandidate' || m.term !== c.s.term + 1) return;
  if (!voters(c.s).includes(m.from) || c.s.votes.includes(m.from)) return;
  c.s.votes.push(m.from);
  if (c.s.votes.length >= majority(voters(c.s).length)) startElection(c);
}

export function onVoteRequest<D>(c: Ctx<D>, m: Extract<RaftMessage<D>, { type: 'vote-req' }>): void {
  if (m.term > c.s.term) becomeFollower(c, m.term, null);
  const granted =
    c.s.canPersist &&
    m.term === c.s.term &&
    (c.s.votedFor === null || c.s.votedFor === m.from) &&
    isUpToDate(m.last, lastRef(c.s));
  if (granted) {
    c.s.votedFor = m.from;
    c.persist = true;
    resetElectionTimer(c);
  }
  send(c, { type: 'vote-resp', term: c.s.term, from: c.s.id, to: m.from, granted });
}

export function onVoteResponse<D>(c: Ctx<D>, m: Extract<RaftMessage<D>, { type: 'vote-resp' }>): void {
  if (m.term > c.s.term) {
    becomeFollower(c, m.term, null);
    return;
  }
  if (c.s.role !== 'candidate' || m.term !== c.s.term || !m.granted) return;
  if (!voters(c.s).includes(m.from) || c.s.votes.includes(m.from)) return;
  c.s.votes.push(m.from);
  if (c.s.votes.length >= majority(voters(c.s).length)) becomeLeader(c);
}
