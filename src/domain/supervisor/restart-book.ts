/**
 * Restart bookkeeping as a pure reducer: how many times the supervisor has
 * started each replica since it last ran healthy, hence its backoff and
 * whether it is crash-looping. Backoff: 100 ms, doubling, capped at 30 s;
 * reset after 60 s running. The book lives in the supervisor's memory: after
 * an appliance restart every replica starts with a clean slate.
 */
import type { ObservedReplica } from '../types.js';

export const BACKOFF_BASE_MS = 100;
export const BACKOFF_CAP_MS = 30_000;
export const HEALTHY_RESET_MS = 60_000;
/** Restarts without a healthy minute in between that make a replica "crash-looping". */
export const CRASH_LOOP_RESTARTS = 5;

export interface RestartEntry {
  /** Starts by the supervisor since the last reset (the first start after create counts). */
  starts: number;
  lastStartAt?: number;
}

export type RestartBook = Readonly<Record<string, RestartEntry>>;

export const emptyRestartBook: RestartBook = Object.freeze({});

/** Restarts after the first start: what backoff and crash-loop count. */
export const restartsOf = (e: RestartEntry | undefined): number => Math.max(0, (e?.starts ?? 0) - 1);

/** The delay before the next restart: 100 ms · 2^restarts, at most 30 s. */
export function backoffMs(e: RestartEntry | undefined): number {
  return Math.min(BACKOFF_BASE_MS * 2 ** Math.min(restartsOf(e), 20), BACKOFF_CAP_MS);
}

export const isCrashLooping = (e: RestartEntry | undefined): boolean => restartsOf(e) >= CRASH_LOOP_RESTARTS;

/** When a stopped replica may be started again (epoch ms). */
export function nextStartAt(e: RestartEntry | undefined, o: Pick<ObservedReplica, 'finishedAt'>): number {
  const since = Math.max(o.finishedAt ?? 0, e?.lastStartAt ?? 0);
  return since + backoffMs(e);
}

/** The supervisor started (or tried to start) `name` at `now`. */
export function noteStart(book: RestartBook, name: string, now: number): RestartBook {
  const e = book[name];
  return { ...book, [name]: { starts: (e?.starts ?? 0) + 1, lastStartAt: now } };
}

/**
 * Folds what Docker shows into the book: a replica running for a healthy
 * minute gets its backoff reset; names no longer observed are forgotten.
 */
export function observe(book: RestartBook, current: readonly ObservedReplica[], now: number): RestartBook {
  const out: Record<string, RestartEntry> = {};
  for (const o of current) {
    const e = book[o.name];
    if (!e) continue;
    const healthy = o.status === 'running' && o.startedAt !== undefined && now - o.startedAt >= HEALTHY_RESET_MS;
    out[o.name] =
      healthy && e.starts > 1
        ? { starts: 1, ...(e.lastStartAt !== undefined ? { lastStartAt: e.lastStartAt } : {}) }
        : e;
  }
  return out;
}

/**
 * The book once a step has been tried: a start counts (even one that fails,
 * which then backs off like a crash); a removed replica is forgotten.
 */
export function bookAfter(book: RestartBook, step: { kind: string; name?: string }, now: number): RestartBook {
  if (step.kind === 'start' && step.name) return noteStart(book, step.name, now);
  if (step.kind === 'remove' && step.name) {
    const { [step.name]: _gone, ...rest } = book;
    return rest;
  }
  return book;
}
