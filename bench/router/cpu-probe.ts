/**
 * The router's CPU per frame alone, cheaply (no nginx, no rate steps): the
 * bench's no-op module and router (bench/router.ts's child roles) and one
 * open-loop rate for a few seconds; prints the router process's user + system
 * time per answered frame (from /proc), and the module's for scale. For
 * comparing router changes on a busy box, where latency figures say little.
 *
 * Pinned as bench:router is (bench/cpu-pinning.ts; `--no-pin` for none).
 *
 *   node --import tsx bench/router/cpu-probe.ts [--rate 400] [--seconds 8] [--bytes 1024] [--tries 3] [--no-pin]
 *   RIM_BENCH_PROF=DIR, RIM_PROBE_NODE_FLAGS='--perf-basic-prof': see children.ts.
 */
import { benchChild } from './children.js';
import { poster, runStep } from './open-loop.js';
import { cpuTimes, threadCpu } from './proc-cpu.js';
import { pin, pinBench } from '../cpu-pinning.js';
import { mainThreadWaits, waitsBetween } from '../sched-stat.js';

const args = process.argv.slice(2);
const opt = (name: string, d: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1]! : d);
const rate = Number(opt('rate', '400'));
const seconds = Number(opt('seconds', '8'));
const tries = Number(opt('tries', '3'));
const body = Buffer.alloc(Number(opt('bytes', '1024')), 7);
const pinning = pinBench(args);
const mod = await benchChild('module');
const router = await benchChild('router', [String(mod.port)]);
if ('sut' in pinning) pin(router.proc.pid!, pinning.sut);
try {
  console.log(`router pid ${router.proc.pid}, module pid ${mod.proc.pid}`);
  const c = poster(router.port, '/v1/deployments/bench/frames', body, 256);
  await runStep(c.send, rate, { seconds: 2, warmupS: 0, maxInFlight: 256 });
  for (let t = 1; t <= tries; t++) {
    const pids = { router: router.proc.pid!, module: mod.proc.pid! };
    let t0 = { router: cpuTimes(pids.router), module: cpuTimes(pids.module) };
    let used = t0;
    let th0 = threadCpu(pids.router);
    let th = th0;
    let w0 = mainThreadWaits(pids.router);
    let w = w0;
    const s = await runStep(c.send, rate, {
      seconds,
      warmupS: 0.5,
      maxInFlight: 256,
      onWindow: (phase) => {
        const now = { router: cpuTimes(pids.router), module: cpuTimes(pids.module) };
        if (phase === 'start') {
          t0 = now;
          th0 = threadCpu(pids.router);
          w0 = mainThreadWaits(pids.router);
        } else {
          used = now;
          th = threadCpu(pids.router);
          w = mainThreadWaits(pids.router);
        }
      },
    });
    const us = (p: 'router' | 'module', k: 'user' | 'system') => ((used[p][k] - t0[p][k]) * 1e6) / s.ok;
    const all = (p: 'router' | 'module') => us(p, 'user') + us(p, 'system');
    console.log(
      `try ${t}: ${rate} fps, ok ${s.ok} failed ${s.failed}, p50 ${s.p50.toFixed(2)} ms p99 ${s.p99.toFixed(2)} ms; ` +
        `CPU per frame (user + system): router ${all('router').toFixed(0)} µs ` +
        `(${us('router', 'user').toFixed(0)} + ${us('router', 'system').toFixed(0)}), ` +
        `module ${all('module').toFixed(0)} µs ` +
        `(${us('module', 'user').toFixed(0)} + ${us('module', 'system').toFixed(0)}); ` +
        `router/module ${(all('router') / all('module')).toFixed(2)}; router's main thread ` +
        `${(((th.main - th0.main) * 1e6) / s.ok).toFixed(0)} µs, other threads ` +
        `${(((th.helpers - th0.helpers) * 1e6) / s.ok).toFixed(0)} µs; its run-queue wait ` +
        `${(waitsBetween(w0, w).runqueueWaitS * 1000).toFixed(0)} ms, preempted ${waitsBetween(w0, w).preempted}×`,
    );
  }
  c.close();
} finally {
  // The router exits normally on SIGTERM (its CPU profile is written then): wait for it.
  const gone = new Promise((r) => router.proc.once('exit', r));
  router.proc.kill('SIGTERM');
  mod.proc.kill('SIGTERM');
  await gone;
}
