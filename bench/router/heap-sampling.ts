/**
 * RIM_BENCH_HEAP=FILE: the router process samples its allocations (V8's
 * sampling heap profiler, objects later collected included) from 3 s after
 * start until SIGTERM, and writes the profile to FILE (a .heapprofile for
 * Chrome's DevTools; bench/router/heap-top.ts ranks it).
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

export function sampleAllocations(file: string | undefined, afterMs = 3000): void {
  if (!file) return;
  const session = new Session();
  session.connect();
  setTimeout(() => {
    session.post('HeapProfiler.startSampling', {
      samplingInterval: 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    } as object);
  }, afterMs).unref();
  process.once('SIGTERM', () => {
    session.post('HeapProfiler.stopSampling', (err, res) => {
      if (!err) writeFileSync(file, JSON.stringify(res.profile));
      process.exit(0);
    });
  });
}
