/**
 * A deterministic cluster simulator for the election machine: nodes, a
 * network that loses, delays, duplicates and partitions messages, crashes
 * that wipe everything but the persisted state. It checks Raft's safety
 * properties after every step and throws on the first violation.
 */
import { nextRandom } from '../../../../src/domain/election/context.js';
import { initialState, persistentPart, step } from '../../../../src/domain/election/raft-machine.js';
import type {
  PersistentState,
  RaftConfig,
  RaftInput,
  RaftMessage,
  RaftState,
} from '../../../../src/domain/election/types.js';
import { majority } from '../../../../src/domain/replication/entry.js';

export type Doc = number[];

export interface NetParams {
  loss: number;
  dup: number;
  minDelay: number;
  maxDelay: number;
}

export const SIM_CONFIG: RaftConfig = { electionMinMs: 150, electionMaxMs: 300, heartbeatMs: 30, maxPending: 64 };

interface InFlight {
  at: number;
  msg: RaftMessage<Doc>;
}

export class Sim {
  now = 0;
  states = new Map<string, RaftState<Doc>>();
  disk = new Map<string, PersistentState<Doc>>();
  down = new Set<string>();
  /** node → partition group; messages cross only within a group. */
  group = new Map<string, number>();
  flight: InFlight[] = [];
  leaders = new Map<number, string>();
  /** term → voter → candidate */
  votes = new Map<number, Map<string, string>>();
  committedAt = new Map<number, string>();
  acked: { index: number; value: number }[] = [];
  proposals = new Map<string, { value: number; term?: number; index?: number }>();
  nextValue = 1;
  private seed: number;

  constructor(
    readonly ids: string[],
    public net: NetParams,
    seed: number,
    readonly cfg = SIM_CONFIG,
  ) {
    this.seed = seed >>> 0;
    for (const id of ids) {
      this.disk.set(id, {
        term: 0,
        votedFor: null,
        committed: { term: 0, index: 1, voters: [...ids], data: [] },
        pending: [],
      });
      this.states.set(id, initialState(id, this.disk.get(id), 0, this.rand() * 2 ** 32, cfg));
      this.group.set(id, 0);
    }
  }

  rand(): number {
    const r = nextRandom(this.seed);
    this.seed = r.seed;
    return r.value;
  }

  input(id: string, input: RaftInput<Doc>): void {
    const s = this.states.get(id);
    if (!s || this.down.has(id)) return;
    const { state, effects } = step(s, input, this.cfg);
    this.states.set(id, state);
    for (const e of effects) {
      if (e.kind === 'persist') this.disk.set(id, structuredClone(persistentPart(state)));
      else if (e.kind === 'send') this.transmit(e.msg);
      else if (e.kind === 'role' && e.role === 'leader') this.onLeader(id, e.term);
      else if (e.kind === 'commit') this.onCommit(e.entry.term, e.entry.index, e.entry.data);
      else if (e.kind === 'appended') {
        const p = this.proposals.get(e.id);
        if (p) {
          p.term = e.term;
          p.index = e.index;
        }
      }
    }
    this.recordVote(id, state);
  }

  private transmit(msg: RaftMessage<Doc>): void {
    if (this.rand() < this.net.loss) return;
    const copies = this.rand() < this.net.dup ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const delay = this.net.minDelay + this.rand() * (this.net.maxDelay - this.net.minDelay);
      this.flight.push({ at: this.now + delay, msg: structuredClone(msg) });
    }
  }

  private recordVote(id: string, s: RaftState<Doc>): void {
    if (s.votedFor === null) return;
    let t = this.votes.get(s.term);
    if (!t) this.votes.set(s.term, (t = new Map()));
    const before = t.get(id);
    if (before !== undefined && before !== s.votedFor) throw new Error(`${id} voted twice in term ${s.term}`);
    t.set(id, s.votedFor);
  }

  private onLeader(id: string, term: number): void {
    const other = this.leaders.get(term);
    if (other !== undefined && other !== id) throw new Error(`two leaders in term ${term}: ${other} and ${id}`);
    this.leaders.set(term, id);
    const voters = this.states.get(id)!.committed?.voters ?? this.ids;
    const votes = [...(this.votes.get(term) ?? new Map()).entries()].filter(([, c]) => c === id).length;
    // The leader's own vote is recorded after its step; count it here.
    const own = this.votes.get(term)?.get(id) === id ? 0 : 1;
    if (votes + own < majority(voters.length)) throw new Error(`${id} leads term ${term} with ${votes + own} votes`);
  }

  private onCommit(term: number, index: number, data: Doc): void {
    const key = JSON.stringify(data);
    const seen = this.committedAt.get(index);
    if (seen !== undefined && seen !== key) throw new Error(`index ${index} committed as ${seen} and ${key}`);
    this.committedAt.set(index, key);
    for (const [i, k] of this.committedAt) {
      const other = JSON.parse(k) as Doc;
      const [lo, hi] = i <= index ? [other, data] : [data, other];
      if (lo.some((v, j) => hi[j] !== v))
        throw new Error(`committed ${JSON.stringify(lo)} is not a prefix of ${JSON.stringify(hi)}`);
    }
    for (const a of this.acked)
      if (index >= a.index && !data.includes(a.value))
        throw new Error(`acknowledged ${a.value} lost at index ${index}`);
    for (const [pid, p] of this.proposals) {
      if (p.term === term && p.index !== undefined && p.index <= index) {
        this.acked.push({ index: p.index, value: p.value });
        this.proposals.delete(pid);
      }
    }
  }

  propose(id: string): void {
    const s = this.states.get(id);
    if (!s || s.role !== 'leader' || this.down.has(id)) return;
    const head = s.pending.at(-1) ?? s.committed;
    const value = this.nextValue++;
    const pid = `p${value}`;
    this.proposals.set(pid, { value });
    this.input(id, { kind: 'propose', now: this.now, id: pid, data: [...(head?.data ?? []), value] });
  }

  crash(id: string): void {
    this.down.add(id);
  }

  restart(id: string): void {
    if (!this.down.delete(id)) return;
    this.states.set(
      id,
      initialState(id, structuredClone(this.disk.get(id)), this.now, this.rand() * 2 ** 32, this.cfg),
    );
  }

  partition(groups: number[]): void {
    this.ids.forEach((id, i) => this.group.set(id, groups[i % groups.length] ?? 0));
  }
  heal(): void {
    for (const id of this.ids) this.group.set(id, 0);
  }

  /** Advances time in 5 ms steps, delivering due messages and ticking every node. */
  advance(ms: number): void {
    const end = this.now + ms;
    while (this.now < end) {
      this.now = Math.min(end, this.now + 5);
      const due = this.flight.filter((f) => f.at <= this.now);
      this.flight = this.flight.filter((f) => f.at > this.now);
      for (const f of due) {
        if (this.group.get(f.msg.from) !== this.group.get(f.msg.to)) continue;
        this.input(f.msg.to, { kind: 'message', now: this.now, msg: f.msg });
      }
      for (const id of this.ids) this.input(id, { kind: 'tick', now: this.now });
    }
  }

  liveLeaders(): string[] {
    return this.ids.filter((id) => !this.down.has(id) && this.states.get(id)!.role === 'leader');
  }
}
