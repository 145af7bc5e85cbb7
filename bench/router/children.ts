/**
 * The probes' child processes: bench/router.ts's `module` and `router` roles,
 * forked with tsx (the router with the appliance's node flags).
 * RIM_BENCH_PROF=DIR writes the router process's CPU profile (node
 * --cpu-prof, 100 µs samples) into DIR; RIM_PROBE_NODE_FLAGS='--trace-gc'
 * (or any node flags) reach the router process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { APPLIANCE_NODE_FLAGS } from './node-flags.js';

const BENCH = fileURLToPath(new URL('../router.ts', import.meta.url));

export function benchChild(
  role: 'module' | 'router',
  extra: string[] = [],
): Promise<{ proc: ChildProcess; port: number }> {
  const router = role === 'router';
  const proc = fork(BENCH, [role, ...extra], {
    execArgv: [
      '--import',
      'tsx',
      ...(router ? APPLIANCE_NODE_FLAGS : []),
      ...(router && process.env.RIM_BENCH_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.RIM_BENCH_PROF}`, '--cpu-prof-interval', '100']
        : []),
      ...(router && process.env.RIM_PROBE_NODE_FLAGS
        ? process.env.RIM_PROBE_NODE_FLAGS.split(' ').filter(Boolean)
        : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    proc.once('message', (m) => resolve({ proc, port: (m as { port: number }).port }));
    proc.once('exit', (code) => reject(new Error(`${role} exited ${code}`)));
  });
}
