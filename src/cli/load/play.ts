/**
 * Plays a schedule of sends, open loop: each frame leaves at its time
 * whether or not earlier ones were answered. A send that finds no box
 * (connection refused or reset) stops the run: nothing more is sent, the
 * frames in flight are awaited, and `stopped` says why. Time and waiting
 * come in as arguments.
 */
import type { FrameResult } from './load-summary.js';

export class BoxGoneError extends Error {}

export interface PlayDeps {
  /** Sends one frame; throws BoxGoneError when no box answers at all. */
  send: () => Promise<FrameResult>;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export async function play(
  times: readonly number[],
  deps: PlayDeps,
): Promise<{ results: FrameResult[]; stopped?: string }> {
  const start = deps.now();
  const results: FrameResult[] = [];
  const inflight = new Set<Promise<void>>();
  let stopped: string | undefined;
  for (const t of times) {
    const wait = start + t - deps.now();
    if (wait > 0) await deps.sleep(wait);
    if (stopped !== undefined) break;
    const p: Promise<void> = deps
      .send()
      .then(
        (r) => void results.push(r),
        (e: unknown) => {
          results.push({ status: 0, ms: deps.now() - start - t });
          if (e instanceof BoxGoneError) stopped ??= e.message;
          else stopped ??= `sending failed: ${(e as Error).message}`;
        },
      )
      .finally(() => inflight.delete(p));
    inflight.add(p);
  }
  await Promise.all(inflight);
  return { results, ...(stopped !== undefined ? { stopped } : {}) };
}
