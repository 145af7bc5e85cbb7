/**
 * Whether a deployment meets its service-level objective, from what the
 * router measured over its window. Pure.
 *
 * 'met': the p95 end-to-end latency is within the target AND the router
 * finished at least 95% of the frames it was asked for, up to the admitted
 * rate (finish rate ≥ 0.95 · min(fps, offered rate)). A client that sends
 * fewer frames than admitted does not turn the SLO red by itself; frames
 * refused over the admitted rate do not count against it either.
 * 'violated': traffic, but either condition fails. null: no traffic in the window.
 */
export type SloState = 'met' | 'violated' | null;

export interface SloInput {
  /** The deployment's targets. */
  fps: number;
  latencyMs: number;
  /** Frames per second that arrived (admitted or not) over the window. */
  offeredFps: number;
  /** Frames per second answered with the sinks' output over the window. */
  finishedFps: number;
  /** p95 of recent end-to-end latencies; undefined when none finished. */
  p95?: number;
}

export const FINISH_RATIO = 0.95;

export function sloState(i: SloInput): SloState {
  if (i.offeredFps <= 0 && i.finishedFps <= 0) return null;
  const expected = Math.min(i.fps, i.offeredFps);
  const finishing = i.finishedFps >= FINISH_RATIO * expected;
  const fast = i.p95 !== undefined && i.p95 <= i.latencyMs;
  return finishing && fast ? 'met' : 'violated';
}
