/**
 * The one place where failures become HTTP answers: a RimError keeps its
 * status and code; express's body parser errors become 400/413; anything
 * else is a 500 whose details stay in the log. Never a 200 with an error.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { NotFoundError, TooManyRequestsError, isRimError } from '../domain/errors.js';
import type { Logger } from '../log.js';

export interface ErrorBody { error: { code: string; message: string; field?: string } }

/** Maps any thrown value to a status and the JSON body. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (isRimError(err)) {
    const field = (err as { field?: string }).field;
    return { status: err.status, body: { error: { code: err.code, message: err.message, ...(field ? { field } : {}) } } };
  }
  const e = err as { type?: string; status?: number; message?: string };
  if (e?.type === 'entity.parse.failed') return { status: 400, body: { error: { code: 'invalid-json', message: `request body is not valid JSON: ${e.message}` } } };
  if (e?.type === 'entity.too.large') return { status: 413, body: { error: { code: 'too-large', message: 'request body is too large' } } };
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return { status: e.status, body: { error: { code: 'bad-request', message: e.message ?? 'bad request' } } };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal error (see the appliance log)' } } };
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { status, body } = toErrorResponse(err);
    if (status >= 500 && !isRimError(err)) logger.error({ err, method: req.method, path: req.path }, 'request failed');
    else logger.debug({ method: req.method, path: req.path, status, code: body.error.code }, body.error.message);
    if (err instanceof TooManyRequestsError) res.setHeader('retry-after', String(err.retryAfterS));
    if (res.headersSent) { res.end(); return; }
    res.status(status).json(body);
  };
}

/** Any route nobody serves: a JSON 404, like every other error. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`no route for ${req.method} ${req.path}`));
};
