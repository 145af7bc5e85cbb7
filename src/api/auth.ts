/**
 * The admin token guards every change (POST/PUT/PATCH/DELETE). Reads are
 * open on the LAN when config `api.openReads` says so; /healthz and /readyz
 * are always open (probes carry no token), and so are the status page's
 * markup and scripts.
 */
import type { RequestHandler } from 'express';
import { adminTokenError } from '../http/admin-token-error.js';
import { bearerToken, tokenMatches } from '../http/bearer-token.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
const ALWAYS_OPEN = new Set(['/healthz', '/readyz']);

export function requireAdmin(adminToken: string, opts: { openReads: boolean }): RequestHandler {
  return (req, _res, next) => {
    if (ALWAYS_OPEN.has(req.path)) return next();
    // The status page and its scripts hold no data: with reads closed the page loads and asks for the token.
    if (READS.has(req.method) && (req.path === '/' || req.path.startsWith('/ui/'))) return next();
    if (READS.has(req.method) && opts.openReads) return next();
    if (tokenMatches(bearerToken(req.headers.authorization), adminToken)) return next();
    next(adminTokenError(req.headers.authorization, READS.has(req.method) ? 'reads need' : 'changes need'));
  };
}
