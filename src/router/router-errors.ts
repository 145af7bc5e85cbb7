/**
 * The data plane's ways to fail, as typed errors the API's error handler
 * maps to `{error:{code,message}}` (429s carry retry-after).
 */
import { RimError, UnavailableError } from '../domain/errors.js';

/** The plan rejected the deployment: frames for it are refused until it is admitted. */
export class DeploymentRejectedError extends RimError {
  override readonly status = 409;
  override readonly code = 'deployment-rejected';
}

/** The deployment exists but has no placement (yet). */
export class DeploymentUnplacedError extends UnavailableError {
  override readonly code = 'deployment-unplaced';
}

/** No replica of a module could take the frame (none running, refused, 5xx). */
export class NoReplicaError extends UnavailableError {
  override readonly code = 'no-replica';
}

/** The frame's deadline (arrival + the deployment's latencyMs) passed before the sinks answered. */
export class DeadlineMissedError extends UnavailableError {
  override readonly code = 'deadline-missed';
}

/** A module answered 4xx: it refused this input. */
export class ModuleRefusedError extends RimError {
  override readonly status = 422;
  override readonly code = 'module-refused';
}
