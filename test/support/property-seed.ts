/**
 * Property tests run with a pinned, printed seed: the same runs every time
 * (a failure is reproducible, not "4 of 10 runs"), and another seed is one
 * environment variable away (`RIM_PROPERTY_SEED=123 npm run test:unit`).
 * fast-check's own failure message names the seed and the `path` of the
 * shrunk counterexample; pass both back (`RIM_PROPERTY_PATH`) to replay it alone.
 */
import type { Parameters } from 'fast-check';

export const DEFAULT_PROPERTY_SEED = 20_240_611;

export function propertyParams<T>(numRuns: number, log: (line: string) => void): Parameters<T> {
  const seed = Number(process.env.RIM_PROPERTY_SEED ?? DEFAULT_PROPERTY_SEED);
  const path = process.env.RIM_PROPERTY_PATH;
  log(`fast-check seed ${seed}${path ? ` path ${path}` : ''} (set RIM_PROPERTY_SEED / RIM_PROPERTY_PATH to replay)`);
  return { seed, numRuns, ...(path ? { path, endOnFailure: true } : {}) };
}
