/**
 * Raft's leader rules and replication as one pure state machine:
 * `step(state, input, config)` returns the next state and the effects
 * (persist, send, commit, role changes). Drivers persist before sending.
 */
import { append } from '../replication/log-state.js';
import { type Ctx, isVoter, resetElectionTimer, becomeRole, becomeFollower } from './context.js';
import { onAppend } from './follower.js';
import { advanceCommit, leaderTick, onAppendResponse, propose } from './leader.js';
import {
  DEFAULT_RAFT_CONFIG,
  type PersistentState,
  type RaftConfig,
  type RaftEffect,
  type RaftInput,
  type RaftState,
  type StepResult,
} from './types.js';
import { onPreVoteRequest, onPreVoteResponse, onVoteRequest, onVoteResponse, startPreVote } from './vote.js';

export function initialState<D>(
  id: string,
  persisted: PersistentState<D> | undefined,
  now: number,
  seed: number,
  cfg: RaftConfig = DEFAULT_RAFT_CONFIG,
): RaftState<D> {
  const s: RaftState<D> = {
    id,
    term: persisted?.term ?? 0,
    votedFor: persisted?.votedFor ?? null,
    committed: persisted?.committed ?? null,
    pending: persisted?.pending ?? [],
    role: 'follower',
    leader: null,
    leaderContactAt: 0,
    electionDeadline: now,
    heartbeatDue: now,
    becameLeaderAt: 0,
    votes: [],
    match: {},
    ackAt: {},
    seed: seed >>> 0,
    canPersist: true,
  };
  const c: Ctx<D> = { s, fx: [], cfg, now, persist: false };
  resetElectionTimer(c);
  return c.s;
}

/**
 * A node that cannot persist cannot keep Raft's promises (term, vote and log
 * on disk before any answer): a leader steps down so that the others elect
 * one that can, and until writes succeed again the node stands for no
 * election and grants no vote. It still follows and answers pre-votes.
 */
function onStorage<D>(c: Ctx<D>, canPersist: boolean): void {
  c.s.canPersist = canPersist;
  if (canPersist) return;
  if (c.s.role !== 'follower') becomeFollower(c, c.s.term, null);
  resetElectionTimer(c);
}

/** The durable part of a state: what the driver writes before acting on the effects. */
export const persistentPart = <D>(s: RaftState<D>): PersistentState<D> => ({
  term: s.term,
  votedFor: s.votedFor,
  committed: s.committed,
  pending: s.pending,
});

export function step<D>(
  state: RaftState<D>,
  input: RaftInput<D>,
  cfg: RaftConfig = DEFAULT_RAFT_CONFIG,
): StepResult<D> {
  const c: Ctx<D> = {
    s: { ...state, votes: [...state.votes], match: { ...state.match }, ackAt: { ...state.ackAt } },
    fx: [],
    cfg,
    now: input.now,
    persist: false,
  };
  switch (input.kind) {
    case 'tick':
      if (c.s.role === 'leader') leaderTick(c);
      else if (c.now >= c.s.electionDeadline) {
        if (isVoter(c.s) && c.s.canPersist) startPreVote(c);
        else resetElectionTimer(c);
      }
      break;
    case 'message': {
      const m = input.msg;
      if (m.to !== c.s.id) break;
      if (m.type === 'prevote-req') onPreVoteRequest(c, m);
      else if (m.type === 'prevote-resp') onPreVoteResponse(c, m);
      else if (m.type === 'vote-req') onVoteRequest(c, m);
      else if (m.type === 'vote-resp') onVoteResponse(c, m);
      else if (m.type === 'append') onAppend(c, m);
      else onAppendResponse(c, m);
      break;
    }
    case 'propose':
      propose(c, input);
      break;
    case 'bootstrap':
      if (!c.s.committed && c.s.pending.length === 0 && c.s.term === 0) {
        // Committed at once: it is the whole history of a one-member cluster.
        const first = append({ committed: null, pending: [] }, 0, [c.s.id], input.data).pending[0]!;
        c.s.committed = first;
        c.persist = true;
        c.fx.push({ kind: 'commit', entry: first });
        becomeRole(c, 'follower', null);
        c.s.electionDeadline = c.now; // a lone voter elects itself on the next tick
      }
      break;
    case 'storage':
      onStorage(c, input.canPersist);
      break;
  }
  if (c.s.role === 'leader') advanceCommit(c);
  const effects: RaftEffect<D>[] = c.persist ? [{ kind: 'persist' }, ...c.fx] : c.fx;
  return { state: c.s, effects };
}
