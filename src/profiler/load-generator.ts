/**
 * The load generator: keeps one load level running and records every
 * request. Closed loop: N workers, each sends its next frame when the last
 * one is answered (perf_analyzer's concurrency mode). Open loop: frames sent
 * at a fixed interval whatever is outstanding (its request-rate mode), up to
 * a cap on outstanding frames, past which a frame counts as dropped.
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { LoadLevel } from '../domain/profiling/load-search.js';
import type { RequestSample } from '../domain/profiling/windows.js';
import { sleep } from '../sleep.js';
import type { Send, SendOutcome } from './http-send.js';

export interface LoadRunOptions {
  /** Open loop: most frames outstanding before new ones are dropped. */
  maxOutstanding?: number;
  /** Closed loop: pause after a failed request so a dead server is not spun on (ms). */
  errorBackoffMs?: number;
  /** Called with each successful answer (e.g. to keep a module's output). */
  onAnswer?: (out: SendOutcome) => void;
  now?: () => number;
}

export class LoadRun {
  readonly samples: RequestSample[] = [];
  private outstanding = 0;
  private peakOutstanding = 0;
  private readonly stopper = new AbortController();
  private stopping = false;
  private readonly pending = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  readonly startedAt: number;

  constructor(
    private readonly send: Send,
    readonly level: LoadLevel,
    private readonly opts: LoadRunOptions = {},
  ) {
    this.now = opts.now ?? (() => performance.now());
    this.startedAt = this.now();
    setMaxListeners(0, this.stopper.signal); // one listener per outstanding frame
    if (level.mode === 'closed') {
      for (let i = 0; i < level.concurrency; i++) this.track(this.worker());
    } else {
      this.openLoop(level.rate);
    }
  }

  /** Frames sent and not yet answered now; and the most there ever were. */
  get inFlight(): number {
    return this.outstanding;
  }
  get maxInFlight(): number {
    return this.peakOutstanding;
  }
  get stopped(): boolean {
    return this.stopping;
  }

  /**
   * Stops sending; lets outstanding frames finish for up to `drainMs` (so the
   * module's queue is empty when the next level starts), aborts the rest, and
   * waits for the workers.
   */
  async stop(drainMs = 0): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    if (drainMs > 0 && this.pending.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all([...this.pending]),
        new Promise<void>((r) => {
          timer = setTimeout(r, drainMs);
        }),
      ]);
      clearTimeout(timer);
    }
    this.stopper.abort();
    await Promise.all([...this.pending]);
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private async once(): Promise<SendOutcome> {
    const sentAt = this.now();
    this.outstanding += 1;
    this.peakOutstanding = Math.max(this.peakOutstanding, this.outstanding);
    const out = await this.send(this.stopper.signal);
    this.outstanding -= 1;
    // Frames cut short by stop() measured nothing: leave them out.
    if (this.stopper.signal.aborted && out.error === 'aborted') return out;
    this.samples.push({
      sentAt,
      doneAt: this.now(),
      ok: out.ok,
      ...(out.status !== undefined ? { status: out.status } : {}),
      ...(out.error ? { error: out.error } : {}),
    });
    if (out.ok) this.opts.onAnswer?.(out);
    return out;
  }

  private async worker(): Promise<void> {
    while (!this.stopped) {
      const out = await this.once();
      if (!out.ok && !this.stopped) await sleep(this.opts.errorBackoffMs ?? 20);
    }
  }

  private openLoop(rate: number): void {
    const interval = 1000 / rate;
    const cap = this.opts.maxOutstanding ?? 1024;
    let next = this.startedAt;
    const tick = (): void => {
      if (this.stopped) return;
      const t = this.now();
      // Catch up on every frame that is due: the schedule, not the timer, sets the rate.
      while (next <= t) {
        if (this.outstanding >= cap) {
          this.samples.push({ sentAt: next, doneAt: next, ok: false, error: 'dropped: too many outstanding' });
        } else {
          this.track(this.once().then(() => undefined));
        }
        next += interval;
      }
      this.timer = setTimeout(tick, Math.max(0, next - this.now()));
    };
    tick();
  }
}
