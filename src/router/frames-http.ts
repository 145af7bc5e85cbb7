/**
 * `POST /v1/deployments/:name/frames` on plain node:http: the frame's raw
 * bytes are read here (any content type, up to a size limit), routed, and
 * the sinks' output or a `{error:{code,message}}` answer written back. The
 * composition root hands such requests to `serveFrames` before express sees
 * them (express's router and body parser would cost about a fifth of the
 * router's CPU per frame); the same function serves the express Router.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isRimError, RimError, TooManyRequestsError, ValidationError } from '../domain/errors.js';
import { adminTokenError } from '../http/admin-token-error.js';
import { bearerToken, tokenMatches } from '../http/bearer-token.js';
import { toErrorResponse } from '../http/error-response.js';
import type { Logger } from '../log.js';
import type { FrameRouter } from './frame-router.js';

const FRAMES_URL = /^\/v1\/deployments\/([^/?#]+)\/frames\/?(?:\?.*)?$/;
const FRAME_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const EMPTY = Buffer.alloc(0);

export class FrameTooLargeError extends RimError {
  override readonly status = 413;
  override readonly code = 'too-large';
}

export interface FramesHttpOptions {
  frames: Pick<FrameRouter, 'route'>;
  adminToken: string;
  /** Frames without the admin token (config api.openReads). */
  openFrames: boolean;
  maxFrameBytes: number;
  logger: Logger;
  now: () => number;
}

/** The deployment name when `req` is a frame (POST …/frames), else undefined. */
export function frameTarget(req: IncomingMessage): string | undefined {
  if (req.method !== 'POST' || !req.url) return undefined;
  const m = FRAMES_URL.exec(req.url);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
}

export function createFramesHandler(o: FramesHttpOptions) {
  const fail = (res: ServerResponse, err: unknown) => {
    const { status, body } = toErrorResponse(err);
    if (status >= 500 && !isRimError(err)) o.logger.error({ err }, 'frame failed');
    if (res.headersSent) {
      res.end();
      return;
    }
    const text = JSON.stringify(body);
    const headers: Record<string, string | number> = {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    };
    if (err instanceof TooManyRequestsError) headers['retry-after'] = err.retryAfterS;
    res.writeHead(status, headers);
    res.end(text);
  };

  /** Serves a frame for deployment `name`. Never throws; always answers. */
  return function serveFrame(name: string, req: IncomingMessage, res: ServerResponse): void {
    const arrival = o.now();
    if (!o.openFrames && !tokenMatches(bearerToken(req.headers.authorization), o.adminToken)) {
      req.resume();
      fail(res, adminTokenError(req.headers.authorization, 'frames (api.openReads is off) need'));
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > o.maxFrameBytes) {
      req.resume();
      fail(res, new FrameTooLargeError(`a frame is at most ${o.maxFrameBytes} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      if (tooLarge) return;
      size += c.length;
      if (size > o.maxFrameBytes) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(c);
    });
    req.on('error', (e) => fail(res, new ValidationError(`frame upload failed: ${e.message}`)));
    req.on('end', () => {
      if (tooLarge) {
        fail(res, new FrameTooLargeError(`a frame is at most ${o.maxFrameBytes} bytes`));
        return;
      }
      const body = chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      const id = req.headers['rim-frame-id'];
      o.frames
        .route(
          name,
          { body, contentType: req.headers['content-type'] ?? 'application/octet-stream' },
          arrival,
          typeof id === 'string' && FRAME_ID.test(id) ? id : undefined,
        )
        .then(
          (answer) => {
            res.writeHead(200, {
              'content-type': answer.contentType,
              'content-length': answer.body.length,
              'rim-frame-id': answer.frameId,
            });
            res.end(answer.body);
          },
          (err: unknown) => fail(res, err),
        );
    });
  };
}
