/**
 * The leader's side: taking office with a no-op entry (so entries of older
 * terms commit through one of its own), heartbeats that carry the newest
 * entry to whoever lacks it, counting acknowledgements into commits, and
 * stepping down when it no longer hears from a majority (check-quorum).
 */
import { isSingleVoterChange, majority, majorityIndex, sameRef } from '../replication/entry.js';
import { append, leaderCommit, newest } from '../replication/log-state.js';
import { becomeFollower, becomeRole, type Ctx, lastRef, peers, resetElectionTimer, send, voters } from './context.js';
import type { RaftInput, RaftMessage } from './types.js';

export function becomeLeader<D>(c: Ctx<D>): void {
  becomeRole(c, 'leader', c.s.id);
  c.s.becameLeaderAt = c.now;
  c.s.match = {};
  c.s.ackAt = {};
  c.s.votes = [];
  const head = newest(c.s);
  if (head) {
    // The no-op: the same document at a new (term, index).
    Object.assign(c.s, append(c.s, c.s.term, head.voters, head.data));
    c.persist = true;
  }
  advanceCommit(c);
  broadcast(c);
}

/** Sends every peer the newest entry, or just its position to those that hold it. */
export function broadcast<D>(c: Ctx<D>): void {
  const head = newest(c.s);
  if (!head) return;
  const commitIndex = c.s.committed?.index ?? 0;
  for (const to of peers(c.s)) {
    const has = (c.s.match[to] ?? 0) >= head.index;
    send(c, {
      type: 'append',
      term: c.s.term,
      from: c.s.id,
      to,
      head: lastRef(c.s),
      commitIndex,
      ...(has ? {} : { entry: head }),
    });
  }
  c.s.heartbeatDue = c.now + c.cfg.heartbeatMs;
}

export function advanceCommit<D>(c: Ctx<D>): void {
  const head = newest(c.s);
  if (!head) return;
  const n = majorityIndex(voters(c.s), (id) => (id === c.s.id ? head.index : (c.s.match[id] ?? 0)));
  if (n <= (c.s.committed?.index ?? 0)) return;
  const before = c.s.committed;
  Object.assign(c.s, leaderCommit(c.s, n));
  if (c.s.committed && c.s.committed !== before) {
    c.persist = true;
    c.fx.push({ kind: 'commit', entry: c.s.committed });
  }
}

export function onAppendResponse<D>(c: Ctx<D>, m: Extract<RaftMessage<D>, { type: 'append-resp' }>): void {
  if (m.term > c.s.term) {
    becomeFollower(c, m.term, null);
    resetElectionTimer(c);
    return;
  }
  if (c.s.role !== 'leader' || m.term !== c.s.term) return;
  c.s.ackAt[m.from] = c.now;
  if (m.success && m.match.term === c.s.term) {
    c.s.match[m.from] = Math.max(c.s.match[m.from] ?? 0, m.match.index);
    advanceCommit(c);
    if (!sameRef(m.match, lastRef(c.s))) broadcastTo(c, m.from);
  }
}

function broadcastTo<D>(c: Ctx<D>, to: string): void {
  const head = newest(c.s);
  if (!head) return;
  send(c, {
    type: 'append',
    term: c.s.term,
    from: c.s.id,
    to,
    head: lastRef(c.s),
    commitIndex: c.s.committed?.index ?? 0,
    entry: head,
  });
}

export function propose<D>(c: Ctx<D>, p: Extract<RaftInput<D>, { kind: 'propose' }>): void {
  const refuse = (reason: 'not-leader' | 'busy' | 'membership-change-pending' | 'too-many-voter-changes'): void => {
    c.fx.push({ kind: 'refused', id: p.id, reason, leader: c.s.role === 'leader' ? c.s.id : c.s.leader });
  };
  if (c.s.role !== 'leader') return refuse('not-leader');
  if (c.s.pending.length >= c.cfg.maxPending) return refuse('busy');
  const current = voters(c.s);
  const next = p.voters ? [...new Set(p.voters)].sort() : current;
  const changes = next.join(',') !== [...current].sort().join(',');
  if (changes) {
    if (!isSingleVoterChange(current, next)) return refuse('too-many-voter-changes');
    // One membership change at a time: the previous one, and the no-op, must have committed.
    if (c.s.pending.length > 0) return refuse('membership-change-pending');
  }
  // A voter just added has had no chance to answer yet: count it as heard now, or check-quorum would depose us.
  for (const v of next) if (!current.includes(v)) c.s.ackAt[v] = c.now;
  Object.assign(c.s, append(c.s, c.s.term, changes ? next : current, p.data));
  c.persist = true;
  const head = lastRef(c.s);
  c.fx.push({ kind: 'appended', id: p.id, term: head.term, index: head.index });
  advanceCommit(c);
  broadcast(c);
}

/** Leader tick: heartbeat when due; step down without a majority for a whole election timeout. */
export function leaderTick<D>(c: Ctx<D>): void {
  const heard = voters(c.s).filter(
    (v) => v === c.s.id || c.now - (c.s.ackAt[v] ?? c.s.becameLeaderAt) < c.cfg.electionMinMs,
  );
  if (heard.length < majority(voters(c.s).length)) {
    becomeFollower(c, c.s.term, null);
    resetElectionTimer(c);
    return;
  }
  if (c.now >= c.s.heartbeatDue) broadcast(c);
}
