/**
 * bench:testbed's cameras: every deployment played at its rate, open loop,
 * all at once, through one box's data plane, with `rim load`'s schedule and
 * player (src/cli/load). Each frame keeps when it left, so a run can be cut
 * into seconds around an event. A rate may step up mid-run. The run also
 * reports the generator's own event-loop lag (p99), which on a starved
 * machine delays sends and answers alike.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { play } from '../../src/cli/load/play.js';
import { sendTimes } from '../../src/cli/load/schedule.js';
import type { BenchCluster } from './cluster.js';
import type { SentFrame } from './series.js';

export interface Stream {
  deployment: string;
  fps: number;
  latencyMs: number;
  /** From this second on, send at `fps * factor` (the doubled input). */
  step?: { atS: number; factor: number };
}

/** A camera frame: the synthetic sample's size (16 KiB), fixed bytes. */
const FRAME = Buffer.alloc(16_384, 7);

export function schedule(s: Stream, seconds: number): number[] {
  if (!s.step) return sendTimes(s.fps, seconds);
  const at = Math.min(seconds, s.step.atS);
  const before = sendTimes(s.fps, at);
  const after = sendTimes(s.fps * s.step.factor, seconds - at).map((t) => t + at * 1000);
  return [...before, ...after];
}

/** Plays every stream for `seconds` through `box`; the frames of each, by deployment. */
export async function drive(
  c: BenchCluster,
  box: string,
  streams: readonly Stream[],
  seconds: number,
): Promise<{ frames: Map<string, SentFrame[]>; lagP99Ms: number }> {
  // The generator's own event-loop lag: on a starved machine frames leave late and answers are read late.
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const start = performance.now();
  const out = new Map<string, SentFrame[]>();
  await Promise.all(
    streams.map(async (s) => {
      const frames: SentFrame[] = [];
      out.set(s.deployment, frames);
      const timeoutMs = Math.min(30_000, Math.max(1000, s.latencyMs * 4));
      await play(schedule(s, seconds), {
        send: async () => {
          const atMs = performance.now() - start;
          const r = await c.frame(box, s.deployment, FRAME, timeoutMs);
          frames.push({ ...r, atMs });
          return r;
        },
        now: () => performance.now(),
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      });
    }),
  );
  lag.disable();
  return { frames: out, lagP99Ms: Math.round(lag.percentile(99) / 1e5) / 10 };
}
