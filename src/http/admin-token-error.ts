/**
 * Why a request without a valid admin token is refused: no token at all
 * (`unauthorized`) or a token that is not this appliance's (`token-rejected`),
 * so that a client can tell "find the token" from "you have a stale one".
 * `what` is the subject, e.g. "changes need".
 */
import { TokenRejectedError, UnauthorizedError } from '../domain/errors.js';
import { bearerToken } from './bearer-token.js';

export function adminTokenError(header: string | undefined, what: string): UnauthorizedError | TokenRejectedError {
  if (bearerToken(header) === undefined) {
    return new UnauthorizedError(`${what} the admin token: send "Authorization: Bearer <token>"`);
  }
  return new TokenRejectedError(`the admin token was rejected: it is not this appliance's (${what} its admin token)`);
}
