/**
 * A process's main thread from the scheduler's side (/proc/<pid>/task/<pid>/schedstat and sched): seconds it
 * was runnable but waiting for a core, and times it was preempted. Zero cost to the process observed. NaN
 * where /proc has no such files.
 */
import { readdirSync, readFileSync } from 'node:fs';

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

/**
 * CPU seconds (user + system) of each thread of `pid` so far, summed by thread name (/proc/<pid>/task/<t>/stat:
 * "node" is the main thread, "V8Worker" the garbage collector's helpers, "libuv-worker" the thread pool).
 * Tells the appliance's own JavaScript from its helper threads. Empty where /proc cannot be read.
 */
export function threadCpuS(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const key = t === String(pid) ? 'main' : name;
      out[key] = (out[key] ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100;
    }
  } catch {
    /* a thread gone between the listing and the read: the rest stands */
  }
  return out;
}

/** The CPU seconds each thread name used between two readings (rounded to 10 ms), those that used any. */
export function threadCpuBetween(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(b)) {
    const d = Math.round((v - (a[k] ?? 0)) * 100) / 100;
    if (d > 0) out[k] = d;
  }
  return out;
}
