/** The profiler, as the composition root and the API use it. */
export {
  ProfilerService,
  type ProfilerDeps,
  type RefreshOptions,
  type RefreshReport,
  type ProfilerStatus,
} from './profiler-service.js';
export { profilerRoutes, refreshRequestSchema, type ProfileRefresher } from './profiler-routes.js';
export { profilerTuningSchema, DEFAULT_TUNING, type ProfilerTuning } from './profiler-options.js';
export { NvidiaSmiSampler, type GpuSampler } from './gpu-sampler.js';
export { sweepProfilingReplicas } from './profiling-replicas.js';
export { ProfilingFailedError, isProfilingFailed } from './profiling-error.js';
export { placementProfiles, profileIdentity, WHOLE_APP, CPU_MODEL } from '../domain/profiling/profile-key.js';
