/**
 * Answering a request whose body will not be read: the answer goes out with
 * `connection: close`, and what the client still sends is discarded up to a
 * small allowance; past it the socket is destroyed, so a refused 15 MB body
 * costs neither memory nor the time to receive it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Bytes of a refused body read and dropped before the connection is cut. */
export const DISCARD_ALLOWANCE = 64 * 1024;

export function discardBody(req: IncomingMessage, allowance = DISCARD_ALLOWANCE): void {
  let dropped = 0;
  req.on('data', (c: Buffer) => {
    dropped += c.length;
    if (dropped > allowance) req.socket.destroy();
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
