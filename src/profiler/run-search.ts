/**
 * Drives the load search against one target: a warm-up that is thrown away,
 * then the levels `nextLoad` asks for, each measured to stability. The
 * policy is pure (src/domain/profiling/load-search.ts); this is its loop.
 */
import { nextLoad, type LevelResult, type SearchOptions, type SearchOutcome } from '../domain/profiling/load-search.js';
import type { Send } from './http-send.js';
import { sleep } from '../sleep.js';
import { LoadRun } from './load-generator.js';
import { describe, measureLevel, type LevelHooks, type LevelOptions } from './measure-level.js';
import { ProfilingFailedError } from './profiling-error.js';

export interface SearchRunOptions {
  search: SearchOptions;
  level: LevelOptions;
  /** Warm-up at one request in flight, excluded from every figure (ms). */
  warmupMs: number;
  /** Upper bound on levels, whatever the policy says. */
  maxLevels?: number;
}

export interface SearchRun {
  outcome: SearchOutcome;
  levels: LevelResult[];
}

/**
 * One request at a time for `ms` (and at least until the first answer, up to
 * `hangMs`): lets the module JIT, fill caches, open sockets. Thrown away.
 */
export async function warmUp(
  send: Send,
  ms: number,
  hangMs: number,
  signal: AbortSignal,
  hooks?: LevelHooks,
): Promise<void> {
  const run = new LoadRun(
    send,
    { mode: 'closed', concurrency: 1 },
    hooks?.onAnswer ? { onAnswer: hooks.onAnswer } : {},
  );
  const began = Date.now();
  try {
    await sleep(ms, signal);
    while (!signal.aborted && run.samples.length === 0 && Date.now() - began < hangMs) await sleep(25, signal);
  } finally {
    await run.stop();
  }
  if (signal.aborted) throw new ProfilingFailedError(`profiling stopped: ${String(signal.reason ?? 'aborted')}`);
  const ok = run.samples.filter((s) => s.ok).length;
  if (ok === 0) {
    const errors = run.samples.filter((s) => !s.ok);
    const timedOut = errors.length > 0 && errors.every((e) => /timeout$/.test(e.error ?? ''));
    const why = timedOut
      ? 'every warm-up request timed out (the module hangs)'
      : errors.length
        ? `every warm-up request failed (${errors[0]!.error ?? 'error'})`
        : `no answer to /infer within ${hangMs} ms (the module hangs)`;
    throw new ProfilingFailedError(hooks?.explain ? await hooks.explain(why) : why);
  }
}

export async function runSearch(
  send: Send,
  o: SearchRunOptions,
  signal: AbortSignal,
  hooks?: LevelHooks,
): Promise<SearchRun> {
  await warmUp(send, o.warmupMs, o.level.hangMs, signal, hooks);
  const levels: LevelResult[] = [];
  for (let i = 0; i < (o.maxLevels ?? 16); i++) {
    const d = nextLoad(levels, o.search);
    if ('done' in d) return { outcome: d.done, levels };
    levels.push(await measureLevel(send, d.next, o.level, signal, hooks));
  }
  const last = levels[levels.length - 1];
  throw new ProfilingFailedError(
    `the load search did not settle after ${levels.length} levels${last ? ` (last: ${describe(last.level)})` : ''}`,
  );
}
