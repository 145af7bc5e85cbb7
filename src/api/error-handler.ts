/**
 * The API's one express error handler: every failure becomes the answer
 * `toErrorResponse` (src/http) maps it to; unexpected ones are logged.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { NotFoundError, TooManyRequestsError, isRimError } from '../domain/errors.js';
import { toErrorResponse } from '../http/error-response.js';
import type { Logger } from '../log.js';

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { status, body } = toErrorResponse(err);
    if (status >= 500 && !isRimError(err)) logger.error({ err, method: req.method, path: req.path }, 'request failed');
    else logger.debug({ method: req.method, path: req.path, status, code: body.error.code }, body.error.message);
    if (err instanceof TooManyRequestsError) res.setHeader('retry-after', String(err.retryAfterS));
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(status).json(body);
  };
}

/** Any route nobody serves: a JSON 404, like every other error. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`no route for ${req.method} ${req.path}`));
};
