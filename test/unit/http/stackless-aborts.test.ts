/**
 * A request whose connection closes before it is answered is destroyed by
 * node with an 'aborted' ECONNRESET error: on a server under
 * limitConnections that error is built without a stack trace (a flood of
 * them paid one each), and the stack trace limit is back as it was
 * afterwards.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { limitConnections } from '../../../src/http/connection-limits.js';

test("an aborted request's error has no stack frames; Error.stackTraceLimit is restored", async () => {
  const limit = Error.stackTraceLimit;
  let gotRequest = () => undefined as void;
  const requested = new Promise<void>((r) => (gotRequest = r));
  const aborted = new Promise<Error>((resolve) => {
    const server = http.createServer((req) => {
      // Never answered: the client goes away first.
      req.on('error', (e) => {
        server.close();
        resolve(e);
      });
      gotRequest();
    });
    limitConnections(server);
    server.listen(0, '127.0.0.1', () => {
      const s = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
      s.on('connect', () => s.write('GET /hold HTTP/1.1\r\nhost: x\r\n\r\n'));
      s.on('error', () => undefined);
      void requested.then(() => s.destroy());
    });
  });
  const e = (await aborted) as NodeJS.ErrnoException;
  assert.equal(e.code, 'ECONNRESET');
  assert.equal(e.message, 'aborted');
  assert.doesNotMatch(e.stack ?? '', /\n\s+at /, 'no stack frames captured');
  assert.equal(Error.stackTraceLimit, limit, 'the limit is restored');
  assert.match(new Error('x').stack ?? '', /\n\s+at /, 'other errors keep their stacks');
});
