/**
 * The router's added latency at a low rate, on many frames, cheaply (no
 * nginx): the bench's no-op module and router (bench/router.ts's child
 * roles); direct and router frames take turns in one open-loop window
 * (runInterleaved), `--rounds` windows of `--seconds`. For profiling the
 * tail: RIM_PROBE_NODE_FLAGS='--trace-gc' reaches the router process,
 * RIM_BENCH_PROF=DIR writes its CPU profile.
 *
 * With --bare, a third path takes its turns: node-floor.ts, the router's HTTP
 * stack without the router (what Node's server and undici cost alone).
 * With --ab, a router without scavenges between frames (RIM_BENCH_IDLE_GC=0,
 * src/router/idle-scavenge.ts) takes its turns too: an A/B in one window
 * (--swap: its turn before the router's).
 *
 * Pinned as bench:router is (bench/cpu-pinning.ts): the router (and node floor) on one core, this client and the
 * module on the others; `--no-pin` for none.
 *
 *   node --import tsx bench/router/latency-probe.ts [--rate 50] [--seconds 20] [--rounds 1] [--bare]
 *     [--ab [--swap]] [--no-pin]
 */
import { poster, runInterleaved, runStep } from './open-loop.js';
import { benchChild } from './children.js';
import { pin, pinBench } from '../cpu-pinning.js';

const args = process.argv.slice(2);
const opt = (name: string, d: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1]! : d);

const rate = Number(opt('rate', '50'));
const seconds = Number(opt('seconds', '20'));
const rounds = Number(opt('rounds', '1'));
const body = Buffer.alloc(Number(opt('bytes', '1024')), 7);
const pinning = pinBench(args);
const mod = await benchChild('module');
const router = await benchChild('router', [String(mod.port)]);
const bare = args.includes('--bare') ? await benchChild('bare', [String(mod.port)]) : undefined;
const noIdle = args.includes('--ab')
  ? await benchChild('router', [String(mod.port)], { RIM_BENCH_IDLE_GC: '0' })
  : undefined;
const proxies = [router, ...(bare ? [bare] : []), ...(noIdle ? [noIdle] : [])];
if ('sut' in pinning) for (const c of proxies) pin(c.proc.pid!, pinning.sut);
// --swap: the router without the scavenges takes its turn first (a frame's turn after direct's is not the same turn).
const ab = noIdle
  ? [{ name: 'router-no-idle-gc', c: poster(noIdle.port, '/v1/deployments/bench/frames', body, 256) }]
  : [];
const paths = [
  { name: 'direct', c: poster(mod.port, '/infer', body, 256) },
  ...(args.includes('--swap') ? ab : []),
  { name: 'router', c: poster(router.port, '/v1/deployments/bench/frames', body, 256) },
  ...(bare ? [{ name: 'bare', c: poster(bare.port, '/infer', body, 256) }] : []),
  ...(args.includes('--swap') ? [] : ab),
];
const f = (v: number) => v.toFixed(2);
try {
  for (const { c } of paths) await runStep(c.send, 1000, { seconds: 3, warmupS: 0, maxInFlight: 256 });
  for (let r = 1; r <= rounds; r++) {
    const opts = { seconds, warmupS: 0.5, maxInFlight: 256 };
    const res = await runInterleaved(
      paths.map((p) => p.c.send),
      rate,
      opts,
    );
    const d = res[0]!;
    const line = paths.map(({ name }, i) => {
      const x = res[i]!;
      const added = i === 0 ? '' : ` (added p50 ${f(x.p50 - d.p50)} p99 ${f(x.p99 - d.p99)})`;
      return `${name} ok ${x.ok}/${x.frames} p50 ${f(x.p50)} p99 ${f(x.p99)} ms${added}`;
    });
    console.log(`round ${r}, ${rate} fps each: ${line.join('; ')}`);
  }
  for (const { c } of paths) c.close();
} finally {
  const procs = [mod.proc, ...proxies.map((c) => c.proc)];
  const gone = Promise.all(procs.map((p) => new Promise((r) => p.once('exit', r))));
  for (const p of procs) p.kill('SIGTERM');
  await gone;
}
