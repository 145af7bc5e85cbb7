/**
 * `POST /v1/deployments/:name/frames` on plain node:http: the frame's raw
 * bytes are read here (any content type, up to a size limit, once the
 * deployment exists and admits the frame), routed, and
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
import { ByteBudget } from '../http/byte-budget.js';
import { BusyError } from '../http/read-body.js';
import { refuseInTurn } from '../http/refuse-early.js';
import { loopBudget, type TurnBudget } from '../http/turn-budget.js';
import type { AdmittedFrame, FrameRouter } from './frame-router.js';

const FRAMES_URL = /^\/v1\/deployments\/([^/?#]+)\/frames\/?(?:\?.*)?$/;
const FRAME_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const EMPTY = Buffer.alloc(0);

export class FrameTooLargeError extends RimError {
  override readonly status = 413;
  override readonly code = 'too-large';
}

export interface FramesHttpOptions {
  frames: Pick<FrameRouter, 'admit' | 'send' | 'abandon'>;
  adminToken: string;
  /** Frames without the admin token (config api.openReads). */
  openFrames: boolean;
  maxFrameBytes: number;
  logger: Logger;
  now: () => number;
  /** Frame bytes held at once across all requests; DEFAULT_FRAME_BUDGET when unset. */
  budget?: ByteBudget;
  /**
   * Refusals of unread frames answered per turn of the loop (a stand-in in tests); the process's
   * loopBudget() when unset.
   */
  turnBudget?: TurnBudget;
}

/** Frame bytes buffered at once (all requests together) before new frames get 503. */
export const DEFAULT_FRAME_BUDGET = 96 * 1024 * 1024;

/** The deployment name when `req` is a frame (POST …/frames), else undefined. */
export function frameTarget(req: IncomingMessage): string | undefined {
  if (req.method !== 'POST' || !req.url) return undefined;
  // A camera posts to the same URL frame after frame: the last one's name, without a match or a decode.
  if (req.url === lastTarget.url) return lastTarget.name;
  const m = FRAMES_URL.exec(req.url);
  if (!m) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
  lastTarget = { url: req.url, name };
  return name;
}
let lastTarget: { url: string; name: string | undefined } = { url: '', name: undefined };

export function createFramesHandler(o: FramesHttpOptions) {
  const budget = o.budget ?? new ByteBudget(DEFAULT_FRAME_BUDGET);
  const refusals = o.turnBudget ?? loopBudget();
  const fail = (req: IncomingMessage, res: ServerResponse, err: unknown, read: boolean) => {
    const { status, body } = toErrorResponse(err);
    if (status >= 500 && !isRimError(err)) o.logger.error({ err }, 'frame failed');
    if (res.headersSent) {
      res.end();
      return;
    }
    const headers: Record<string, string | number> = {};
    if (err instanceof TooManyRequestsError || err instanceof BusyError) headers['retry-after'] = err.retryAfterS;
    if (!read) {
      // A flood's frames come by the hundred in one poll: their refusals go out a turn budget's worth a turn.
      refuseInTurn(refusals, req, res, status, body, headers);
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  };
  const tooLarge = () => new FrameTooLargeError(`a frame is at most ${o.maxFrameBytes} bytes`);

  /**
   * Serves a frame for deployment `name`. Never throws; always answers.
   * Everything that can refuse a frame without its bytes (token, declared
   * size, deployment, plan, admission) runs before a byte is read.
   */
  return function serveFrame(name: string, req: IncomingMessage, res: ServerResponse): void {
    const arrival = o.now();
    if (!o.openFrames && !tokenMatches(bearerToken(req.headers.authorization), o.adminToken)) {
      fail(req, res, adminTokenError(req.headers.authorization, 'frames (api.openReads is off) need'), false);
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > o.maxFrameBytes) {
      fail(req, res, tooLarge(), false);
      return;
    }
    let ticket: AdmittedFrame;
    try {
      ticket = o.frames.admit(name, arrival);
    } catch (e) {
      fail(req, res, e, false);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused: RimError | undefined;
    const stop = (e: RimError) => {
      refused = e;
      budget.give(size);
      chunks.length = 0;
      o.frames.abandon(ticket);
      req.removeAllListeners('data');
      fail(req, res, e, false);
    };
    req.on('data', (c: Buffer) => {
      if (refused) return;
      if (size + c.length > o.maxFrameBytes) {
        stop(tooLarge());
        return;
      }
      if (!budget.take(c.length)) {
        stop(new BusyError('too many frame bytes in flight: retry shortly', 1));
        return;
      }
      size += c.length;
      chunks.push(c);
    });
    req.on('error', (e) => {
      if (refused) return;
      stop(new ValidationError(`frame upload failed: ${e.message}`));
    });
    req.on('end', () => {
      if (refused) return;
      const body = chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      chunks.length = 0;
      const id = req.headers['rim-frame-id'];
      const frame = { body, contentType: req.headers['content-type'] ?? 'application/octet-stream' };
      o.frames.send(ticket, frame, typeof id === 'string' && FRAME_ID.test(id) ? id : undefined).then(
        (answer) => {
          budget.give(size);
          // Names and values one after the other: node:http writes them without building a header object.
          res.writeHead(200, [
            'content-type',
            answer.contentType,
            'content-length',
            String(answer.body.length),
            'rim-frame-id',
            answer.frameId,
          ]);
          res.end(answer.body);
        },
        (err: unknown) => {
          budget.give(size);
          fail(req, res, err, true);
        },
      );
    });
  };
}
