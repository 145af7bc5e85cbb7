/**
 * Measures one load level the way perf_analyzer does: settle, then
 * back-to-back windows (at least `windowMs` and `minSamples` answers, at most
 * `maxWindowMs`) until the last few agree or `maxWindows` is reached. A
 * window whose error share passes the tolerance, or a stretch with no answer
 * at all, ends the run with a ProfilingFailedError in bounded time.
 */
import { performance } from 'node:perf_hooks';
import type { LevelResult, LoadLevel } from '../domain/profiling/load-search.js';
import {
  isStable,
  mergeWindows,
  summarizeWindow,
  type StabilityRule,
  type WindowStats,
} from '../domain/profiling/windows.js';
import type { Send, SendOutcome } from './http-send.js';
import { sleep } from '../sleep.js';
import { LoadRun } from './load-generator.js';
import { ProfilingFailedError } from './profiling-error.js';

export interface LevelOptions {
  windowMs: number;
  minSamples: number;
  /** Open loop: at most this many answers per window (a low fixed rate cannot give many). */
  openMinSamples?: number;
  maxWindowMs: number;
  /** Excluded at the start of every level (warm-up of the level). */
  settleMs: number;
  stability: StabilityRule;
  maxWindows: number;
  /** Largest share of failed requests a window may have (0.01 = 1%). */
  errorTolerance: number;
  /** No answer for this long: the module hangs. */
  hangMs: number;
  /** At the end of a level, outstanding frames may finish for this long (ms). */
  drainMs?: number;
  pollMs?: number;
}

export interface LevelHooks {
  /** Turns a failure into a better reason (e.g. "the replica exited with code 1"). */
  explain?: (reason: string) => Promise<string>;
  onAnswer?: (out: SendOutcome) => void;
  /** Called once per level with its time span (performance.now() ms). */
  onSpan?: (level: LoadLevel, from: number, to: number) => void;
}

const pct = (x: number): string => `${Math.round(x * 100)}%`;

async function fail(reason: string, hooks: LevelHooks | undefined): Promise<never> {
  throw new ProfilingFailedError(hooks?.explain ? await hooks.explain(reason) : reason);
}

export async function measureLevel(
  send: Send,
  level: LoadLevel,
  o: LevelOptions,
  signal: AbortSignal,
  hooks?: LevelHooks,
): Promise<LevelResult> {
  const now = (): number => performance.now();
  const run = new LoadRun(send, level, { ...(hooks?.onAnswer ? { onAnswer: hooks.onAnswer } : {}) });
  const windows: WindowStats[] = [];
  const openLoop = level.mode === 'open';
  // At a low fixed rate a window cannot hold minSamples answers: ask for what the rate allows.
  const minSamples = openLoop
    ? Math.max(1, Math.min(o.openMinSamples ?? o.minSamples, Math.floor(((level.rate * o.maxWindowMs) / 1000) * 0.8)))
    : o.minSamples;
  const began = now();
  let silentSince = began;
  let measuredTo: number | undefined;
  let seen = 0;
  let overloaded = false;
  try {
    await sleep(o.settleMs, signal);
    let start = now();
    while (windows.length < o.maxWindows && !signal.aborted) {
      const startLen = run.samples.length;
      for (;;) {
        await sleep(o.pollMs ?? 25, signal);
        if (signal.aborted) break;
        const elapsed = now() - start;
        const answered = run.samples.length - startLen;
        for (let i = seen; i < run.samples.length; i++) if (run.samples[i]!.ok) silentSince = now();
        seen = run.samples.length;
        if ((elapsed >= o.windowMs && answered >= minSamples) || elapsed >= o.maxWindowMs) break;
        if (now() - silentSince > o.hangMs)
          await fail(`no answer to /infer within ${Math.round(o.hangMs)} ms (the module hangs)`, hooks);
      }
      if (signal.aborted) break;
      const end = now();
      measuredTo = end;
      const w = summarizeWindow(run.samples, start, end);
      windows.push(w);
      start = end;
      const done = w.completed + w.errors;
      const broken = w.errors - w.timeouts;
      if (broken > 0 && broken / done > o.errorTolerance) {
        await fail(
          `/infer answered errors: ${pct(broken / done)} of requests failed ` +
            `(${w.topError ?? 'error'}) at ${describe(level)}`,
          hooks,
        );
      }
      // Deadlines passing is the load being too high, not the module failing: this level is past its capacity.
      if (w.timeouts > 0 && w.timeouts / done > o.errorTolerance) {
        overloaded = true;
        break;
      }
      if (isStable(windows, o.stability, openLoop)) break;
    }
  } finally {
    await run.stop(signal.aborted ? 0 : (o.drainMs ?? 0));
    hooks?.onSpan?.(level, began, measuredTo ?? now());
  }
  if (signal.aborted) throw new ProfilingFailedError(`profiling stopped: ${String(signal.reason ?? 'aborted')}`);
  const last = windows.slice(-o.stability.count);
  return {
    level,
    stable: !overloaded && isStable(windows, o.stability, openLoop),
    windows: windows.length,
    stats: mergeWindows(last),
    ...(overloaded ? { overloaded: true } : {}),
  };
}

export function describe(level: LoadLevel): string {
  return level.mode === 'closed' ? `concurrency ${level.concurrency}` : `${level.rate} frames/s`;
}
