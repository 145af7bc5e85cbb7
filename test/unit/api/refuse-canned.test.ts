/**
 * A canned refusal goes straight to the socket only when its response is the
 * one the connection is writing now: a request pipelined behind another is
 * answered through its response object, in turn, or its bytes would land in
 * the middle of the answer before.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test } from 'node:test';
import { cannedAnswer, refuseCanned } from '../../../src/http/refuse-early.js';

function fakes(current: boolean, headersSent = false) {
  const written: Buffer[] = [];
  const socket = { end: (b: Buffer) => written.push(b), destroy: () => undefined };
  const req = { socket } as unknown as IncomingMessage;
  const res = { socket: current ? socket : null, headersSent } as unknown as ServerResponse;
  return { req, res, written };
}

test('the current response: the canned bytes are written to the socket, the fallback unused', () => {
  const answer = cannedAnswer(503, { error: { code: 'busy' } });
  const { req, res, written } = fakes(true);
  let fellBack = 0;
  refuseCanned(req, res, answer, () => fellBack++);
  assert.deepEqual(written, [answer]);
  assert.equal(fellBack, 0);
});

test('a response queued behind another (pipelined), or one already started: through the fallback', () => {
  const answer = cannedAnswer(503, { error: { code: 'busy' } });
  for (const f of [fakes(false), fakes(true, true)]) {
    let fellBack = 0;
    refuseCanned(f.req, f.res, answer, () => fellBack++);
    assert.deepEqual(f.written, [], 'nothing written to the socket');
    assert.equal(fellBack, 1);
  }
});
