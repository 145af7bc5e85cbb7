/**
 * Drives the pure election machine: feeds it ticks and peer messages one at
 * a time, persists its durable state before anything it says leaves the
 * node, hands messages to the transport, and tracks proposals until they
 * commit (or the leadership that accepted them is lost).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { initialState, persistentPart, step } from '../domain/election/raft-machine.js';
import type { PersistentState, RaftConfig, RaftInput, RaftMessage, RaftState, Role } from '../domain/election/types.js';
import type { Entry } from '../domain/replication/entry.js';
import { newest } from '../domain/replication/log-state.js';
import { UnavailableError } from '../domain/errors.js';
import type { Logger } from '../log.js';

export interface RaftPersistence<D> {
  load(): PersistentState<D> | undefined;
  save(state: PersistentState<D>): Promise<void>;
}

export interface RaftDriverDeps<D> {
  id: string;
  cfg: RaftConfig;
  persistence: RaftPersistence<D>;
  send: (msg: RaftMessage<D>) => void;
  now: () => number;
  logger: Logger;
  /** How often the machine gets a tick (ClusterTimings.raftTickMs). */
  tickMs: number;
  /** How long a proposal may wait for a majority (ClusterTimings.proposeTimeoutMs). */
  proposeTimeoutMs: number;
}

/** A change to propose, computed from the newest entry inside the machine's turn; null proposes nothing. */
export type ChangeMaker<D> = (newest: Entry<D> | null, nextIndex: number) => { data: D; voters?: string[] } | null;

interface Proposal<D> {
  resolve: (e: Entry<D> | null) => void;
  reject: (e: Error) => void;
  term?: number;
  index?: number;
  timer: NodeJS.Timeout;
}

export class RaftDriver<D> {
  private state: RaftState<D>;
  private chain: Promise<void> = Promise.resolve();
  private tickQueued = false;
  private lastWriteTry = 0;
  private readonly proposals = new Map<string, Proposal<D>>();
  private readonly commitListeners: ((e: Entry<D>) => void | Promise<void>)[] = [];
  private readonly roleListeners: ((role: Role, term: number, leader: string | null) => void)[] = [];

  constructor(private readonly deps: RaftDriverDeps<D>) {
    this.state = initialState(deps.id, deps.persistence.load(), deps.now(), randomInt(2 ** 31), deps.cfg);
  }

  get snapshot(): Readonly<RaftState<D>> {
    return this.state;
  }

  onCommit(fn: (e: Entry<D>) => void | Promise<void>): void {
    this.commitListeners.push(fn);
  }
  onRole(fn: (role: Role, term: number, leader: string | null) => void): void {
    this.roleListeners.push(fn);
  }

  start(signal: AbortSignal): void {
    // The tick runs in the loop's check phase (setImmediate), after the poll phase has read what peers sent.
    // After a stall of this process (starved of CPU, a long GC pause) the heartbeats and acks that came
    // meanwhile wait in the sockets, and Node runs timers before it reads them: a tick straight from the timer
    // would count our own stall as the leader's (or a majority's) silence, start an election or step down.
    const timer = setInterval(() => {
      if (this.tickQueued) return;
      this.tickQueued = true;
      setImmediate(() => {
        if (signal.aborted) return;
        void this.input({ kind: 'tick', now: this.deps.now() }).finally(() => {
          this.tickQueued = false;
        });
      });
    }, this.deps.tickMs);
    signal.addEventListener(
      'abort',
      () => {
        clearInterval(timer);
        this.failProposals('the node is shutting down');
      },
      { once: true },
    );
  }

  deliver(msg: RaftMessage<D>): Promise<void> {
    return this.input({ kind: 'message', now: this.deps.now(), msg });
  }

  bootstrap(data: D): Promise<void> {
    return this.input({ kind: 'bootstrap', now: this.deps.now(), data });
  }

  /**
   * Proposes the change `make` computes from the newest entry; resolves with
   * the committed entry (null when nothing to do).
   */
  propose(make: ChangeMaker<D>, timeoutMs = this.deps.proposeTimeoutMs): Promise<Entry<D> | null> {
    return new Promise((resolve, reject) => {
      const id = randomBytes(8).toString('hex');
      const timer = setTimeout(() => {
        this.proposals.delete(id);
        reject(new UnavailableError('the change was not stored by a majority in time; it may still be applied'));
      }, timeoutMs);
      this.proposals.set(id, { resolve, reject, timer });
      this.chain = this.chain
        .then(async () => {
          const head = newest(this.state);
          let change: ReturnType<ChangeMaker<D>>;
          try {
            change = make(head, (head?.index ?? 0) + 1);
          } catch (e) {
            this.settle(id, e as Error);
            return;
          }
          if (!change) {
            this.settle(id, null);
            return;
          }
          await this.apply({ kind: 'propose', now: this.deps.now(), id, data: change.data, voters: change.voters });
        })
        .catch((e) => this.deps.logger.error({ err: e }, 'proposal failed'));
    });
  }

  /** Forgets every persisted bit of cluster state (a lone box joining another cluster). */
  reset(): Promise<void> {
    const run = this.chain.then(async () => {
      this.failProposals('the node left its cluster');
      this.state = initialState(this.deps.id, undefined, this.deps.now(), randomInt(2 ** 31), this.deps.cfg);
      await this.deps.persistence.save(persistentPart(this.state));
      for (const fn of this.roleListeners) fn('follower', 0, null);
    });
    this.chain = run.catch((e) => this.deps.logger.error({ err: e }, 'reset failed'));
    return this.chain;
  }

  private input(input: RaftInput<D>): Promise<void> {
    const run = this.chain.then(() => this.apply(input));
    this.chain = run.catch((e) => this.deps.logger.error({ err: e }, 'election step failed'));
    return this.chain;
  }

  private async apply(input: RaftInput<D>): Promise<void> {
    if (input.kind === 'tick' && !this.state.canPersist && !(await this.writesAgain(input.now))) return;
    const before = this.state;
    const { state, effects } = step(before, input, this.deps.cfg);
    this.state = state;
    for (const e of effects) {
      if (e.kind === 'persist') {
        if (!(await this.persisted(before, state, input))) return;
      } else if (e.kind === 'send') this.deps.send(e.msg);
      else if (e.kind === 'role') {
        if (e.role !== 'leader')
          this.failProposals('leadership lost before the change was stored by a majority; it may still be applied');
        for (const fn of this.roleListeners) fn(e.role, e.term, e.leader);
      } else if (e.kind === 'commit') {
        for (const fn of this.commitListeners) await fn(e.entry);
        for (const [id, p] of this.proposals)
          if (p.term === e.entry.term && p.index !== undefined && p.index <= e.entry.index) this.settle(id, e.entry);
      } else if (e.kind === 'appended') {
        const p = this.proposals.get(e.id);
        if (p) {
          p.term = e.term;
          p.index = e.index;
        }
      } else if (e.kind === 'refused') {
        const msg =
          e.reason === 'not-leader'
            ? 'this node is not the leader'
            : `the leader refused the change (${e.reason}); retry`;
        this.settle(e.id, new UnavailableError(msg));
      }
    }
  }

  /**
   * Saves `state`; when the disk refuses, the step is undone (nothing it
   * decided leaves the node) and the machine learns it cannot persist.
   */
  private async persisted(before: RaftState<D>, state: RaftState<D>, input: RaftInput<D>): Promise<boolean> {
    try {
      await this.deps.persistence.save(structuredClone(persistentPart(state)));
      return true;
    } catch (err) {
      this.state = before;
      if (input.kind === 'propose') this.settle(input.id, new UnavailableError('this node cannot write its data dir'));
      if (before.canPersist) {
        this.deps.logger.error({ err }, 'cannot persist the election state: stepping down until writes succeed');
        await this.apply({ kind: 'storage', now: input.now, canPersist: false });
      }
      return false;
    }
  }

  /** While writes fail: retries the save (at most once per election timeout) and tells the machine when it works. */
  private async writesAgain(now: number): Promise<boolean> {
    if (now - this.lastWriteTry < this.deps.cfg.electionMinMs) return false;
    this.lastWriteTry = now;
    try {
      await this.deps.persistence.save(structuredClone(persistentPart(this.state)));
    } catch {
      return false;
    }
    this.deps.logger.info('the election state can be persisted again');
    await this.apply({ kind: 'storage', now, canPersist: true });
    return true;
  }

  private settle(id: string, outcome: Entry<D> | null | Error): void {
    const p = this.proposals.get(id);
    if (!p) return;
    this.proposals.delete(id);
    clearTimeout(p.timer);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }

  private failProposals(why: string): void {
    for (const id of [...this.proposals.keys()]) {
      if (this.proposals.get(id)?.index !== undefined) this.settle(id, new UnavailableError(why));
    }
  }
}
