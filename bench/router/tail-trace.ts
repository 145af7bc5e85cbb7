/**
 * RIM_BENCH_TAIL=DIR: the router (or node floor) process times every request
 * it serves, in process (from node:http's 'request' event to the answer's
 * 'finish', performance.now() ms), with the garbage collections (V8's start
 * and duration), the event loop's delay and utilisation over the same time;
 * on exit it writes to DIR/NAME-PID.json, per window between two 'tail?' marks from
 * the bench (or the whole run), the slowest 1% of requests, each with the
 * collections that overlapped it, and the loop's figures. What the 50 fps
 * tail is made of: work in the process (GC, a timer, a slow request) or time
 * outside it (descheduled, the kernel's loopback, the client).
 */
import { writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';

interface Span {
  start: number;
  ms: number;
}

export function traceTail(name: string): ((req: IncomingMessage, res: ServerResponse) => void) | undefined {
  const dir = process.env.RIM_BENCH_TAIL;
  if (!dir) return undefined;
  const file = `${dir}/${name}-${process.pid}.json`;
  let reqs: Span[] = [];
  let gcs: (Span & { kind: number })[] = [];
  const windows: unknown[] = [];
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let elu0 = performance.eventLoopUtilization();
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as { detail?: { kind?: number } }).detail?.kind ?? 0;
      gcs.push({ start: e.startTime, ms: e.duration, kind });
    }
  }).observe({ entryTypes: ['gc'] });
  const cut = (label: string) => {
    const sorted = [...reqs].sort((a, b) => b.ms - a.ms);
    const slow = sorted.slice(0, Math.max(1, Math.ceil(sorted.length / 100)));
    const pct = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(((100 - q) / 100) * sorted.length))]?.ms;
    const elu = performance.eventLoopUtilization(elu0);
    windows.push({
      label,
      requests: reqs.length,
      inProcessMs: { p50: pct(50), p99: pct(99), max: sorted[0]?.ms },
      gc: { count: gcs.length, ms: gcs.reduce((a, g) => a + g.ms, 0) },
      loopDelayMs: { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 },
      loopUtilisation: elu.utilization,
      slowest: slow.map((r) => ({
        ms: r.ms,
        gcOverlap: gcs.filter((g) => g.start < r.start + r.ms && g.start + g.ms > r.start),
      })),
    });
    reqs = [];
    gcs = [];
    delay.reset();
    elu0 = performance.eventLoopUtilization();
  };
  process.on('message', (m) => {
    if (typeof m === 'object' && m && 'tail' in m) cut(String((m as { tail: unknown }).tail));
  });
  process.once('exit', () => {
    cut('end');
    writeFileSync(file, `${JSON.stringify(windows, null, 1)}\n`);
  });
  return (req, res) => {
    const start = performance.now();
    res.once('finish', () => reqs.push({ start, ms: performance.now() - start }));
  };
}
