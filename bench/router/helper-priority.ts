/**
 * The router and node-floor children's helper threads (V8's compiler and GC,
 * libuv's pool): RIM_BENCH_HELPER_NICE=N lowers them to nice N once the
 * server listens (bench/router/helper-threads.ts; a trial, named in the JSON).
 */
import { lowerHelperThreads } from './helper-threads.js';

export function helperPriority(): void {
  const nice = process.env.RIM_BENCH_HELPER_NICE;
  if (nice) lowerHelperThreads(Number(nice));
}
