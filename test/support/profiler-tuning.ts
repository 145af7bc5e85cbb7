/**
 * Short profiler windows (RIM_PROFILING_TUNING): the synthetic module's
 * figures settle fast, so profiling a test cluster or bench:testbed's fits
 * their time instead of the appliance's defaults.
 */
export const FAST_PROFILER_TUNING = {
  windowMs: 300,
  minSamples: 8,
  openMinSamples: 5,
  maxWindowMs: 1500,
  stableWindows: 2,
  stabilityPct: 20,
  maxWindows: 3,
  settleMs: 100,
  warmupMs: 200,
  maxRunMs: 60_000,
};
