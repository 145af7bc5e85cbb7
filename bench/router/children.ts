/**
 * The probes' child processes: bench/router.ts's `module` and `router` roles,
 * forked with tsx (the router with the appliance's node flags).
 * RIM_BENCH_PROF=DIR writes the router process's CPU profile (node
 * --cpu-prof, 100 µs samples) into DIR; RIM_PROBE_NODE_FLAGS='--trace-gc'
 * (or any node flags) reach the router process; RIM_PROBE_DIST=1 runs the
 * router (and node floor) from dist/ (`npm run build` first), as the appliance runs.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { APPLIANCE_NODE_FLAGS } from './node-flags.js';

const SCRIPTS = {
  src: { bench: '../router.ts', bare: './node-floor.ts' },
  dist: { bench: '../../dist/bench/router.js', bare: '../../dist/bench/router/node-floor.js' },
};

export function benchChild(
  /** `bare`: node-floor.ts (the router's HTTP stack alone), flags and profiling as the router's. */
  role: 'module' | 'router' | 'bare',
  extra: string[] = [],
  /** More environment for the child (a trial's switch, e.g. RIM_BENCH_IDLE_GC=0). */
  env: Record<string, string> = {},
): Promise<{ proc: ChildProcess; port: number }> {
  const router = role !== 'module';
  const dist = router && process.env.RIM_PROBE_DIST === '1';
  const scripts = SCRIPTS[dist ? 'dist' : 'src'];
  const script = fileURLToPath(new URL(role === 'bare' ? scripts.bare : scripts.bench, import.meta.url));
  const proc = fork(script, role === 'bare' ? extra : [role, ...extra], {
    execArgv: [
      ...(dist ? [] : ['--import', 'tsx']),
      ...(router ? APPLIANCE_NODE_FLAGS : []),
      ...(router && process.env.RIM_BENCH_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.RIM_BENCH_PROF}`, '--cpu-prof-interval', '100']
        : []),
      ...(router && process.env.RIM_PROBE_NODE_FLAGS
        ? process.env.RIM_PROBE_NODE_FLAGS.split(' ').filter(Boolean)
        : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  return new Promise((resolve, reject) => {
    proc.once('message', (m) => resolve({ proc, port: (m as { port: number }).port }));
    proc.once('exit', (code) => reject(new Error(`${role} exited ${code}`)));
  });
}
