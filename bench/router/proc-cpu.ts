/** CPU time of a process (and optionally its children) from Linux's /proc; NaN elsewhere. */
import { readdirSync, readFileSync } from 'node:fs';

export function childPids(pid: number): number[] {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return kids ? kids.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

/** user + system seconds (/proc/PID/stat fields 14 and 15; USER_HZ is 100 on Linux). */
export function cpuSeconds(pid: number, withChildren = false): number {
  let ticks = 0;
  for (const p of [pid, ...(withChildren ? childPids(pid) : [])]) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      if (p === pid) return NaN;
    }
  }
  return ticks / 100;
}

/** user and system seconds of one process apart (NaN when it is gone). */
export function cpuTimes(pid: number): { user: number; system: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(f[11]) / 100, system: Number(f[12]) / 100 };
  } catch {
    return { user: NaN, system: NaN };
  }
}

/**
 * Seconds on a CPU of a process's main thread and of all its other threads (libuv pool, V8's GC and compiler),
 * from each thread's schedstat (nanoseconds: stat's 10 ms ticks cannot tell a quiet helper from a busy one).
 */
export function threadCpu(pid: number): { main: number; helpers: number } {
  let main = 0;
  let helpers = 0;
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return { main: NaN, helpers: NaN };
  }
  for (const t of tasks) {
    try {
      const sec = Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
      if (t === String(pid)) main += sec;
      else helpers += sec;
    } catch {
      // a thread that ended
    }
  }
  return { main, helpers };
}
