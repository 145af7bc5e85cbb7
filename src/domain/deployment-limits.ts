/**
 * The range of a deployment's frame rate and latency target, wherever one
 * enters (API body, manifest defaults, a stored or replicated document).
 * The floors keep every derived figure finite: the router answers frames
 * over the admitted rate with `retry-after` ≈ 1/fps, and `fps: 5e-324`
 * made that `Infinity`. At 0.1 fps a client waits at most 10 s.
 */
import { z } from 'zod';

export const FPS_MIN = 0.1;
export const FPS_MAX = 1000;
export const LATENCY_MIN_MS = 1;
export const LATENCY_MAX_MS = 600_000;

/** Frames per second, FPS_MIN–FPS_MAX. */
export const fpsSchema = () =>
  z
    .number({ error: 'expected a number of frames per second' })
    .min(FPS_MIN, { error: `expected fps >= ${FPS_MIN}` })
    .max(FPS_MAX, { error: `expected fps <= ${FPS_MAX}` });

/** An end-to-end latency target in ms, LATENCY_MIN_MS–LATENCY_MAX_MS. */
export const latencyMsSchema = () =>
  z
    .number({ error: 'expected a latency target in ms' })
    .min(LATENCY_MIN_MS, { error: `expected latencyMs >= ${LATENCY_MIN_MS}` })
    .max(LATENCY_MAX_MS, { error: `expected latencyMs <= ${LATENCY_MAX_MS}` });
