/** Why a profiling run failed, in words an operator can act on; stored as the profile's reason. */
import { RimError } from '../domain/errors.js';

export class ProfilingFailedError extends RimError {
  override readonly status = 422;
  override readonly code = 'profiling-failed';
}

export const isProfilingFailed = (e: unknown): e is ProfilingFailedError => e instanceof ProfilingFailedError;
