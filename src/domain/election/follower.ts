/** AppendEntries on the receiving side: follow the leader, store its newest entry, learn its commit index. */
import { acceptFromLeader, commitUpTo } from '../replication/log-state.js';
import { becomeFollower, type Ctx, lastRef, resetElectionTimer, send } from './context.js';
import type { RaftMessage } from './types.js';

export function onAppend<D>(c: Ctx<D>, m: Extract<RaftMessage<D>, { type: 'append' }>): void {
  if (m.term < c.s.term) {
    send(c, { type: 'append-resp', term: c.s.term, from: c.s.id, to: m.from, success: false, match: lastRef(c.s) });
    return;
  }
  becomeFollower(c, m.term, m.from);
  c.s.leaderContactAt = c.now;
  resetElectionTimer(c);
  const before = { committed: c.s.committed, pending: c.s.pending };
  let log = m.entry ? acceptFromLeader(before, m.entry, c.s.term) : before;
  log = commitUpTo(log, m.commitIndex, c.s.term);
  if (log !== before) {
    c.s.committed = log.committed;
    c.s.pending = log.pending;
    c.persist = true;
    if (log.committed && log.committed !== before.committed) c.fx.push({ kind: 'commit', entry: log.committed });
  }
  send(c, { type: 'append-resp', term: c.s.term, from: c.s.id, to: m.from, success: true, match: lastRef(c.s) });
}
