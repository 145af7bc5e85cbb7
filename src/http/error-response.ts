/**
 * The one mapping from a failure to an HTTP answer, shared by the API's
 * express error handler, the peer API and the frame router: a RimError keeps
 * its status and code; express's body parser errors become 400/413; anything
 * else is a 500 whose details stay in the log. Never a 200 with an error.
 */
import { isRimError } from '../domain/errors.js';

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
}

/** Maps any thrown value to a status and the JSON body `{error:{code,message}}`. */
export function toErrorResponse(err: unknown): ErrorResponse {
  if (isRimError(err)) {
    const field = (err as { field?: string }).field;
    const error = { code: err.code, message: err.message, ...(field ? { field } : {}) };
    return { status: err.status, body: { error } };
  }
  const e = err as { type?: string; status?: number; message?: string };
  if (e?.type === 'entity.parse.failed') {
    const message = `request body is not valid JSON: ${e.message}`;
    return { status: 400, body: { error: { code: 'invalid-json', message } } };
  }
  if (e?.type === 'entity.too.large') {
    return { status: 413, body: { error: { code: 'too-large', message: 'request body is too large' } } };
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return { status: e.status, body: { error: { code: 'bad-request', message: e.message ?? 'bad request' } } };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal error (see the appliance log)' } } };
}
