/**
 * The event loop first: this process's threads other than the main one
 * (V8's compiler and GC helpers, libuv's pool) run at a lower priority
 * (`nice`), so a frame that wakes the event loop preempts them at once
 * instead of waiting behind them in the run queue. Linux only (a thread's
 * id is a pid to setpriority); elsewhere, or without /proc, nothing happens.
 * Threads started later by the main thread take the main thread's priority.
 */
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Lowers the priority of the helper threads to `nice` (19: the lowest); returns how many it lowered. */
export function lowerHelperThreads(nice = 19): number {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return 0;
  }
  let lowered = 0;
  for (const t of tids) {
    const tid = Number(t);
    if (tid === process.pid) continue;
    try {
      setPriority(tid, nice);
      lowered++;
    } catch {
      // a thread that ended meanwhile, or no permission: it keeps its priority
    }
  }
  return lowered;
}
