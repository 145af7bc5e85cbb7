/**
 * The admin token guards every change (POST/PUT/PATCH/DELETE). Reads are
 * open on the LAN when config `api.openReads` says so; /healthz and /readyz
 * are always open (probes carry no token).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { TokenRejectedError, UnauthorizedError } from '../domain/errors.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
const ALWAYS_OPEN = new Set(['/healthz', '/readyz']);

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time comparison (hashing first makes the lengths equal). */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(digest(given), digest(expected));
}

export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

/**
 * Why a request without a valid admin token is refused: no token at all
 * (`unauthorized`) or a token that is not this appliance's (`token-rejected`),
 * so that a client can tell "find the token" from "you have a stale one".
 * `what` is the subject, e.g. "changes need".
 */
export function adminTokenError(header: string | undefined, what: string): UnauthorizedError | TokenRejectedError {
  if (bearerToken(header) === undefined) {
    return new UnauthorizedError(`${what} the admin token: send "Authorization: Bearer <token>"`);
  }
  return new TokenRejectedError(`the admin token was rejected: it is not this appliance's (${what} its admin token)`);
}

export function requireAdmin(adminToken: string, opts: { openReads: boolean }): RequestHandler {
  return (req, _res, next) => {
    if (ALWAYS_OPEN.has(req.path)) return next();
    if (READS.has(req.method) && opts.openReads) return next();
    if (tokenMatches(bearerToken(req.headers.authorization), adminToken)) return next();
    next(adminTokenError(req.headers.authorization, READS.has(req.method) ? 'reads need' : 'changes need'));
  };
}
