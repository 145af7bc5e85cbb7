/**
 * bench:testbed's cameras: every deployment played at its rate, open loop,
 * all at once, through one box's data plane, with `rim load`'s schedule and
 * player (src/cli/load). Each frame keeps when it left, so a run can be cut
 * into seconds around an event. A rate may step up mid-run.
 */
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
): Promise<Map<string, SentFrame[]>> {
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
  return out;
}
