/**
 * CPU pinning for the timing benchmarks (bench:router, bench:floods). On a
 * real deployment the attacker, the camera or the health checker is another
 * machine on the LAN: it does not take cores from the box it talks to. Here
 * they share one machine, so the system under test (the router, nginx, the
 * appliance) gets one core of its own and the load generators (clients,
 * flooders, probes, the no-op module standing in for a replica elsewhere) the
 * others, with `taskset` (util-linux). Every thread of a process is pinned
 * (`taskset -a`); processes and threads started later inherit the mask.
 *
 * Falls back to no pinning, with a printed reason, where the process may run
 * on fewer than 2 CPUs or taskset is missing; `--no-pin` turns it off.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface Pinning {
  /** CPUs of the system under test, taskset's list syntax (e.g. "1"). */
  sut: string;
  /** CPUs of the load generators (e.g. "0"). */
  load: string;
}

/** The CPUs this process may run on (its affinity), from /proc; undefined where that cannot be read. */
export function allowedCpus(status = readFileSafe('/proc/self/status')): number[] | undefined {
  const m = /^Cpus_allowed_list:\s*(\S+)$/m.exec(status ?? '');
  return m ? parseCpuList(m[1]!) : undefined;
}

/** "0-2,5" → [0, 1, 2, 5]. */
export function parseCpuList(list: string): number[] {
  const out: number[] = [];
  for (const part of list.split(',').filter(Boolean)) {
    const [a, b] = part.split('-').map(Number);
    for (let c = a!; c <= (b ?? a!); c++) out.push(c);
  }
  return out;
}

/**
 * The split: the last allowed CPU for the system under test (one core, as the comparison needs the same on
 * every machine), all the others for the load. A reason instead when it cannot be done.
 */
export function planPinning(cpus: number[] | undefined, hasTaskset: boolean): Pinning | { reason: string } {
  if (!cpus) return { reason: "this process's CPU affinity cannot be read (/proc)" };
  if (cpus.length < 2) return { reason: `only ${cpus.length} CPU available: nothing to split` };
  if (!hasTaskset) return { reason: 'taskset (util-linux) is not installed' };
  return { sut: String(cpus.at(-1)), load: cpus.slice(0, -1).join(',') };
}

/** Pins every thread of `pid` to `cpus` (taskset -a -p -c). */
export function pin(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

/** What the threads of `pid` may run on, as the kernel reports it: one list when they agree. */
export function affinityOf(pid: number): string {
  const lists = new Set<string>();
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    const m = /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSafe(`/proc/${pid}/task/${t}/status`) ?? '');
    if (m) lists.add(m[1]!);
  }
  return [...lists].join(' | ');
}

/**
 * Decides the pinning for a bench run (`--no-pin` in `args` turns it off), pins this process (the load
 * generator) at once, and prints what it did. Children started afterwards inherit the load CPUs; the bench
 * moves its system under test with `pin(pid, p.sut)`.
 */
export function pinBench(args: string[]): Pinning | { reason: string } {
  const plan = args.includes('--no-pin')
    ? { reason: '--no-pin' }
    : planPinning(allowedCpus(), spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0);
  if ('reason' in plan) {
    console.log(`CPU pinning: none (${plan.reason}); the system under test and the load share every core`);
    return plan;
  }
  pin(process.pid, plan.load);
  console.log(`CPU pinning: system under test on CPU ${plan.sut}, load generators on CPU ${plan.load}`);
  return plan;
}

function readFileSafe(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
