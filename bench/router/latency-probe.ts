/**
 * The router's added latency at a low rate, on many frames, cheaply (no
 * nginx): the bench's no-op module and router (bench/router.ts's child
 * roles); direct and router frames take turns in one open-loop window
 * (runInterleaved), `--rounds` windows of `--seconds`. For profiling the
 * tail: RIM_PROBE_NODE_FLAGS='--trace-gc' reaches the router process,
 * RIM_BENCH_PROF=DIR writes its CPU profile.
 *
 *   node --import tsx bench/router/latency-probe.ts [--rate 50] [--seconds 20] [--rounds 1]
 */
import { poster, runInterleaved, runStep } from './open-loop.js';
import { benchChild } from './children.js';

const args = process.argv.slice(2);
const opt = (name: string, d: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1]! : d);

const rate = Number(opt('rate', '50'));
const seconds = Number(opt('seconds', '20'));
const rounds = Number(opt('rounds', '1'));
const body = Buffer.alloc(Number(opt('bytes', '1024')), 7);
const mod = await benchChild('module');
const router = await benchChild('router', [String(mod.port)]);
try {
  const direct = poster(mod.port, '/infer', body, 256);
  const routed = poster(router.port, '/v1/deployments/bench/frames', body, 256);
  for (const c of [direct, routed]) await runStep(c.send, 1000, { seconds: 3, warmupS: 0, maxInFlight: 256 });
  for (let r = 1; r <= rounds; r++) {
    const [d, x] = await runInterleaved([direct.send, routed.send], rate, { seconds, warmupS: 0.5, maxInFlight: 256 });
    const f = (v: number) => v.toFixed(2);
    console.log(
      `round ${r}, ${rate} fps each: direct ok ${d!.ok}/${d!.frames} p50 ${f(d!.p50)} p99 ${f(d!.p99)} ms; ` +
        `router ok ${x!.ok}/${x!.frames} p50 ${f(x!.p50)} p99 ${f(x!.p99)} ms; ` +
        `added p50 ${f(x!.p50 - d!.p50)} p99 ${f(x!.p99 - d!.p99)} ms`,
    );
  }
  direct.close();
  routed.close();
} finally {
  const gone = new Promise((r) => router.proc.once('exit', r));
  router.proc.kill('SIGTERM');
  mod.proc.kill('SIGTERM');
  await gone;
}
