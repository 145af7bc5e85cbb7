/**
 * A process's main thread from the scheduler's side (/proc/<pid>/task/<pid>/schedstat and sched): seconds it
 * was runnable but waiting for a core, and times it was preempted. Zero cost to the process observed. NaN
 * where /proc has no such files.
 */
import { readFileSync } from 'node:fs';

export interface MainThreadWaits {
  runqueueWaitS: number;
  preempted: number;
}

export function mainThreadWaits(pid: number): MainThreadWaits {
  const dir = `/proc/${pid}/task/${pid}`;
  try {
    const waitNs = Number(readFileSync(`${dir}/schedstat`, 'utf8').split(' ')[1]);
    const m = /nr_involuntary_switches\s*:\s*(\d+)/.exec(readFileSync(`${dir}/sched`, 'utf8'));
    return { runqueueWaitS: waitNs / 1e9, preempted: m ? Number(m[1]) : NaN };
  } catch {
    return { runqueueWaitS: NaN, preempted: NaN };
  }
}

/** The waits between two readings, seconds rounded to the millisecond. */
export function waitsBetween(a: MainThreadWaits, b: MainThreadWaits): MainThreadWaits {
  return {
    runqueueWaitS: Math.round((b.runqueueWaitS - a.runqueueWaitS) * 1000) / 1000,
    preempted: b.preempted - a.preempted,
  };
}
