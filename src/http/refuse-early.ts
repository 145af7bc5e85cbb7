/**
 * Answering a request whose body will not be read: the answer goes out with
 * `connection: close`, and what the client still sends is discarded up to a
 * small allowance; past it the socket is destroyed, so a refused 15 MB body
 * costs neither memory nor the time to receive it. A refusal sent again and
 * again under a flood (event streams past their caps) is a canned answer:
 * built once, bytes and all, and written straight to the socket.
 */
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { TurnBudget } from './turn-budget.js';

/** Bytes of a refused body read and dropped before the connection is cut. */
export const DISCARD_ALLOWANCE = 64 * 1024;

/**
 * The allowance counts from the answer: what the request already holds (read while its refusal waited for its
 * turn, turn-budget.ts) is dropped on top. Counted from the request's first byte, a refusal answered a few
 * turns late had its socket cut as soon as it was written, and its client (still sending) saw a reset, not
 * the answer.
 */
export function discardBody(req: IncomingMessage, allowance = DISCARD_ALLOWANCE): void {
  let dropped = 0;
  const limit = req.readableLength + allowance;
  req.on('data', (c: Buffer) => {
    dropped += c.length;
    if (dropped > limit) req.socket.destroy();
  });
  req.on('error', () => undefined);
}

/** Writes a JSON answer with `connection: close` and drops the unread body. */
export function refuseJson(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
): void {
  discardBody(req);
  const text = JSON.stringify(body);
  res.shouldKeepAlive = false;
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    connection: 'close',
  });
  res.end(text);
}

/**
 * `refuseJson` in the turn budget's time (turn-budget.ts): under a flood the refusals go out a budget's worth a
 * turn, and one whose client left while it waited is dropped, unanswered.
 */
export function refuseInTurn(budget: TurnBudget, ...refusal: Parameters<typeof refuseJson>): void {
  const [req] = refusal;
  budget.run(() => {
    if (!req.socket.destroyed) refuseJson(...refusal);
  });
}

/** A whole HTTP/1.1 answer (status line, headers, JSON body) with `connection: close`, built once. */
export function cannedAnswer(status: number, body: unknown, headers: Record<string, string | number> = {}): Buffer {
  const text = JSON.stringify(body);
  const all = {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    connection: 'close',
  };
  const head = Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`);
  return Buffer.from(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${head.join('')}\r\n${text}`);
}

/**
 * Sends a canned answer straight to the socket and closes it: no response object's work, nothing read.
 * A request queued behind another on its connection (pipelined) is answered through `res` instead, in turn.
 */
export function refuseCanned(req: IncomingMessage, res: ServerResponse, answer: Buffer, fallback: () => void): void {
  const socket = req.socket;
  if (res.socket !== socket || res.headersSent) return fallback();
  socket.end(answer, () => socket.destroy());
}
