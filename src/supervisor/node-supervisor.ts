/**
 * Keeps this node's Docker in line with its Assignment: infer steps (pure
 * `nextSteps`), apply them one at a time, wait, repeat. It wakes on engine
 * events (a `docker kill` is seen at once), polls every second as a fallback,
 * and keeps running the last assignment it was given while no leader speaks.
 * Until the first assignment arrives it touches no replica: an appliance
 * that restarts must not tear down what its leader still wants.
 */
import type { Logger } from 'pino';
import type { ContainerEngine, SandboxInfo } from '../adapters/container-engine.js';
import { ValidationError } from '../domain/errors.js';
import { bookAfter, emptyRestartBook, observe, type RestartBook } from '../domain/supervisor/restart-book.js';
import { earliestWait, nextSteps, orphanedProfilingReplicas } from '../domain/supervisor/next-steps.js';
import { replicaStatuses } from '../domain/supervisor/replica-status.js';
import { describeStep, type Step } from '../domain/supervisor/steps.js';
import type { Assignment, ObservedReplica, ReplicaStatus } from '../domain/types.js';
import { applyStep } from './executors.js';

export interface Clock {
  now(): number;
}

/** After an engine event, look again this long later (ms): Docker's list lags its events. */
const EVENT_SETTLE_MS = [150, 500, 1500];

export interface NodeSupervisorOptions {
  /** Fallback poll when no event arrives (ms). */
  pollMs?: number;
  /** Grace given to a replica on stop (s). */
  stopGraceS?: number;
  /** Longest pause after failing rounds (ms). */
  maxErrorBackoffMs?: number;
  /** Called after each applied step (the API's event bus listens here). */
  onStep?: (step: Step, error?: Error) => void;
}

export interface RoundResult {
  applied: Step[];
  failed: { step: Step; error: Error }[];
  /** Earliest backoff deadline among the waits, if any. */
  wakeAt?: number;
}

export class NodeSupervisor {
  private target?: Assignment;
  private book: RestartBook = emptyRestartBook;
  /** Restarts of replicas by this supervisor since it came up: only grows (the book forgets and resets). */
  private restarts = 0;
  private observed: ObservedReplica[] = [];
  /** The node's replica sandbox, as of the last round that needed it. */
  private sandbox?: SandboxInfo;
  private round: Promise<unknown> = Promise.resolve();
  private wakeUp?: () => void;
  private woken = false;
  private readonly log: Logger;
  private readonly pollMs: number;
  private readonly stopGraceS: number;
  private readonly maxErrorBackoffMs: number;
  /** When this supervisor (this appliance process) came up. */
  private readonly bornAt: number;

  constructor(
    private readonly engine: ContainerEngine,
    readonly node: string,
    logger: Logger,
    private readonly clock: Clock = { now: () => Date.now() },
    private readonly options: NodeSupervisorOptions = {},
  ) {
    this.log = logger.bindings().component ? logger : logger.child({ component: 'supervisor' });
    this.pollMs = options.pollMs ?? 1000;
    this.stopGraceS = options.stopGraceS ?? 5;
    this.maxErrorBackoffMs = options.maxErrorBackoffMs ?? 30_000;
    this.bornAt = clock.now();
  }

  /** Replaces the target; the loop acts on it at once. */
  setAssignment(a: Assignment): void {
    if (a.node !== this.node)
      throw new ValidationError(`assignment for node ${a.node} given to the supervisor of ${this.node}`, 'node');
    if (!this.target || this.target.version !== a.version || this.target.replicas.length !== a.replicas.length) {
      this.log.info({ version: a.version, replicas: a.replicas.length }, 'new assignment');
    }
    this.target = a;
    this.wake();
  }

  assignment(): Assignment | undefined {
    return this.target;
  }

  /** What each assigned replica is doing, as of the last look at Docker. */
  replicas(): ReplicaStatus[] {
    return replicaStatuses(this.target, this.observed, this.book, this.clock.now());
  }

  /**
   * Where this node's replicas answer: their sandbox's address on its internal network (the fence,
   * docs/design.md), learnt when the sandbox is ensured; loopback until then (no replica runs yet).
   */
  replicaHost(): string {
    return this.sandbox?.address ?? '127.0.0.1';
  }

  /** Every restart of a replica since this supervisor came up (a counter: it never goes down). */
  restartsTotal(): number {
    return this.restarts;
  }

  /** One infer → apply round, serialised with the loop's own rounds. */
  reconcileNow(): Promise<RoundResult> {
    const next = this.round.then(
      () => this.reconcileOnce(),
      () => this.reconcileOnce(),
    );
    this.round = next.catch(() => undefined);
    return next;
  }

  /** Removes profiling containers a previous appliance process left behind (created before this supervisor). */
  async removeOrphanedProfiling(): Promise<number> {
    const steps = orphanedProfilingReplicas(await this.engine.listReplicas(this.node), this.bornAt);
    for (const s of steps) {
      await applyStep(s, this.ctx());
      this.log.info({ step: describeStep(s) }, 'removed a profiling replica left by a previous run');
    }
    return steps.length;
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const onAbort = () => this.wake();
    signal.addEventListener('abort', onAbort, { once: true });
    const watching = this.follow(signal);
    try {
      await this.removeOrphanedProfiling().catch((e) =>
        this.log.warn({ err: e }, 'could not clean up old profiling replicas'),
      );
      let failures = 0;
      while (!signal.aborted) {
        let wakeAt = this.clock.now() + this.pollMs;
        try {
          const r = await this.reconcileNow();
          failures = r.failed.length ? failures + 1 : 0;
          if (r.wakeAt !== undefined) wakeAt = Math.min(wakeAt, r.wakeAt);
          if (r.failed.length)
            wakeAt = this.clock.now() + Math.min(this.pollMs * 2 ** (failures - 1), this.maxErrorBackoffMs);
          else if (r.applied.some((s) => s.kind !== 'wait')) continue; // look again at once
        } catch (e) {
          failures += 1;
          const delay = Math.min(this.pollMs * 2 ** (failures - 1), this.maxErrorBackoffMs);
          this.log.warn({ err: e, retryInMs: delay }, 'reconcile failed');
          wakeAt = this.clock.now() + delay;
        }
        await this.sleepUntil(wakeAt, signal);
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      await watching;
    }
  }

  private ctx() {
    return { engine: this.engine, stopGraceS: this.stopGraceS };
  }

  private async reconcileOnce(): Promise<RoundResult> {
    const current = await this.engine.listReplicas(this.node);
    const now = this.clock.now();
    this.observed = current;
    this.book = observe(this.book, current, now);
    if (!this.target) return { applied: [], failed: [] };
    // The sandbox first: replicas join its network namespace; a replica of an older sandbox is replaced.
    if (this.target.replicas.some((r) => r.role !== 'profiling')) {
      const before = this.sandbox?.containerId;
      this.sandbox = await this.engine.ensureSandbox(this.node);
      if (before !== this.sandbox.containerId)
        this.log.info({ sandbox: this.sandbox.containerId.slice(0, 12), address: this.sandbox.address }, 'sandbox');
    }
    const steps = nextSteps(current, this.target, this.book, now, this.sandbox?.containerId);
    const result: RoundResult = { applied: [], failed: [] };
    const wakeAt = earliestWait(steps);
    if (wakeAt !== undefined) result.wakeAt = wakeAt;
    for (const step of steps) {
      if (step.kind === 'wait') continue;
      this.book = bookAfter(this.book, step, this.clock.now());
      const restart = step.kind === 'start' && this.book[step.name]!.starts > 1;
      if (restart) this.restarts++;
      try {
        await applyStep(step, this.ctx());
        result.applied.push(step);
        this.log.info({ step: describeStep(step) }, restart ? 'restarted replica' : 'applied step');
        this.options.onStep?.(step);
      } catch (e) {
        result.failed.push({ step, error: e as Error });
        this.log.warn({ err: e, step: describeStep(step) }, 'step failed');
        this.options.onStep?.(step, e as Error);
      }
    }
    if (result.applied.length || result.failed.length)
      this.observed = await this.engine.listReplicas(this.node).catch(() => this.observed);
    return result;
  }

  /**
   * Follows engine events so a dying replica is seen at once; re-subscribes
   * when the stream ends. Docker logs `die` before its container list shows
   * the exit (the list view is written after the event), so an event also
   * wakes the loop again a little later, until the list has caught up.
   */
  private async follow(signal: AbortSignal): Promise<void> {
    const settle = new Set<NodeJS.Timeout>();
    const clearSettle = () => {
      for (const t of settle) clearTimeout(t);
      settle.clear();
    };
    signal.addEventListener('abort', clearSettle, { once: true });
    while (!signal.aborted) {
      try {
        await this.engine.watch(
          this.node,
          (ev) => {
            this.log.debug({ containerId: ev.containerId.slice(0, 12), action: ev.action }, 'engine event');
            this.wake();
            for (const ms of EVENT_SETTLE_MS) {
              const t = setTimeout(() => {
                settle.delete(t);
                this.wake();
              }, ms);
              settle.add(t);
            }
          },
          signal,
        );
      } catch (e) {
        this.log.debug({ err: e }, 'engine events unavailable; polling');
      }
      if (!signal.aborted) await this.sleepUntil(this.clock.now() + this.pollMs, signal, false);
    }
  }

  private wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private sleepUntil(at: number, signal: AbortSignal, wakeable = true): Promise<void> {
    if (wakeable && this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    const ms = Math.max(0, at - this.clock.now());
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (wakeable && this.wakeUp === done) this.wakeUp = undefined;
        if (wakeable) this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      if (wakeable) this.wakeUp = done;
    });
  }
}
