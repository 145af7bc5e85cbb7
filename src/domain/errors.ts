/**
 * Typed errors, one class per way a request can fail. One mapping
 * (src/http/error-response.ts), used by the API, the peer API and the frame
 * router, turns `status` and `code` into `{error:{code,message}}`; everything
 * else is a 500 (balena-supervisor's lib/errors.ts, in Rim's words).
 */
export class RimError extends Error {
  readonly status: number = 500;
  readonly code: string = 'internal';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad input: a config key, a manifest field, an API body, a plan file. */
export class ValidationError extends RimError {
  override readonly status = 400;
  override readonly code: string = 'invalid';
  /** Dotted path of the offending field, e.g. `modules[0].privileged`. */
  readonly field?: string;
  constructor(message: string, field?: string) {
    super(message);
    this.field = field;
  }
}

/** A manifest that asks for something Rim never grants (privileged, host mounts…). */
export class ForbiddenManifestError extends ValidationError {
  override readonly code = 'manifest-forbidden';
}

/** A request that needs the admin token came without one. */
export class UnauthorizedError extends RimError {
  override readonly status = 401;
  override readonly code = 'unauthorized';
}

/** A request came with an admin token, but not this appliance's. */
export class TokenRejectedError extends RimError {
  override readonly status = 401;
  override readonly code = 'token-rejected';
}

/** Authenticated, but not allowed to do this (a peer speaking for another node). */
export class ForbiddenError extends RimError {
  override readonly status = 403;
  override readonly code = 'forbidden';
}

export class NotFoundError extends RimError {
  override readonly status = 404;
  override readonly code = 'not-found';
}

/**
 * Not found on a retry after an attempt of this same request that may have
 * been applied (its answer was lost): the thing may be gone because of it.
 */
export class GoneAfterUnclearAttemptError extends NotFoundError {}

export class ConflictError extends RimError {
  override readonly status = 409;
  override readonly code = 'conflict';
}

export class TooManyRequestsError extends RimError {
  override readonly status = 429;
  override readonly code = 'rate-limited';
  constructor(
    message: string,
    readonly retryAfterS: number,
  ) {
    super(message);
  }
}

/** A dependency is down: the Docker engine, the leader, a replica. */
export class UnavailableError extends RimError {
  override readonly status = 503;
  override readonly code: string = 'unavailable';
}

export class DockerUnavailableError extends UnavailableError {
  override readonly code = 'docker-unreachable';
}

/** A change reached a node that does not lead the cluster (peer API: propose). */
export class NotLeaderError extends UnavailableError {
  override readonly code = 'not-leader';
}

/** The cluster could not take the change now (e.g. a membership change in flight); the caller retries. */
export class RetryLaterError extends UnavailableError {
  override readonly code = 'retry';
}

export const isRimError = (e: unknown): e is RimError => e instanceof RimError;
export const isValidationError = (e: unknown): e is ValidationError => e instanceof ValidationError;
export const isNotFound = (e: unknown): e is NotFoundError => e instanceof NotFoundError;
