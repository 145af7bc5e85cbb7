/**
 * Reading a request body into memory within a size limit and a shared
 * ByteBudget: the declared length is checked before a byte is read, the
 * streamed length as it arrives, and the bytes are given back to the budget
 * once the caller is done with them.
 */
import type { IncomingMessage } from 'node:http';
import { RimError, ValidationError } from '../domain/errors.js';
import type { ByteBudget } from './byte-budget.js';

export class BodyTooLargeError extends RimError {
  override readonly status = 413;
  override readonly code = 'too-large';
}

/** 503 with retry-after: the appliance holds as many body bytes of this kind as it will. */
export class BusyError extends RimError {
  override readonly status = 503;
  override readonly code = 'busy';
  constructor(
    message: string,
    readonly retryAfterS: number,
  ) {
    super(message);
  }
}

export interface HeldBody {
  body: Buffer;
  /** Gives the body's bytes back to the budget. */
  release(): void;
}

/** Rejects with BodyTooLargeError before reading when the declared length is over `limit`. */
export function readBody(req: IncomingMessage, limit: number, budget: ByteBudget, what: string): Promise<HeldBody> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (!(declared <= limit)) {
      reject(new BodyTooLargeError(`${what} is at most ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const stop = (e: Error) => {
      if (done) return;
      done = true;
      budget.give(size);
      chunks.length = 0;
      req.removeListener('data', onData);
      reject(e);
    };
    const onData = (c: Buffer) => {
      if (size + c.length > limit) {
        stop(new BodyTooLargeError(`${what} is at most ${limit} bytes`));
        return;
      }
      if (!budget.take(c.length)) {
        stop(new BusyError(`too many ${what} bytes in flight: retry shortly`, 1));
        return;
      }
      size += c.length;
      chunks.push(c);
    };
    req.on('data', onData);
    req.on('error', (e) => stop(new ValidationError(`${what} upload failed: ${e.message}`)));
    req.on('end', () => {
      if (done) return;
      done = true;
      const body = Buffer.concat(chunks, size);
      let held = size;
      resolve({
        body,
        release: () => {
          budget.give(held);
          held = 0;
        },
      });
    });
  });
}
