/**
 * In a bench child (the router, the node floor): its garbage collections
 * since the parent last asked (V8's own timings, a passive
 * PerformanceObserver); the parent sends 'gc?' and gets `{ gc }` back
 * (bench/router.ts's gcSince). `forced`: those the process asked for itself
 * (the router's idle scavenges, src/router/idle-scavenge.ts), the rest V8's own.
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';

export function answerGcAsks(): void {
  let gc = { count: 0, major: 0, forced: 0, ms: 0, maxMs: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.count++;
      const detail = (e as { detail?: { kind?: number; flags?: number } }).detail;
      if (detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) gc.major++;
      if ((detail?.flags ?? 0) & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) gc.forced++;
      gc.ms += e.duration;
      gc.maxMs = Math.max(gc.maxMs, e.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('message', (m) => {
    if (m !== 'gc?') return;
    process.send!({ gc });
    gc = { count: 0, major: 0, forced: 0, ms: 0, maxMs: 0 };
  });
}
