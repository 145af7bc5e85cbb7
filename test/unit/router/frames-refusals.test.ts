/**
 * Cheap refusals on the frames endpoint: a frame is refused on what its
 * headers and the plan say before a byte of it is read, and the bytes held
 * across all frames are capped.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { NotFoundError } from '../../../src/domain/errors.js';
import { ByteBudget } from '../../../src/http/byte-budget.js';
import type { AdmittedFrame } from '../../../src/router/frame-router.js';
import { createFramesHandler } from '../../../src/router/frames-http.js';

/** Sends headers and `first` bytes of a `declared`-byte body, then waits for the answer with the body still open. */
function postOpenBody(
  port: number,
  path: string,
  declared: number,
  first: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      path,
      method: 'POST',
      headers: { 'content-length': declared },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c) => {
        body += String(c);
      });
      res.on('end', () => {
        resolve({ status: res.statusCode!, body });
        req.destroy();
      });
    });
    req.on('error', reject);
    req.write(Buffer.alloc(first));
  });
}

describe('frames are refused before their bytes are read', { timeout: 10_000 }, () => {
  const admitted: string[] = [];
  const sent: number[] = [];
  let abandoned = 0;
  const frames = {
    admit(name: string, arrival: number): AdmittedFrame {
      if (name !== 'known') throw new NotFoundError(`deployment "${name}" does not exist`);
      admitted.push(name);
      return { name, arrival };
    },
    // Never answers: an admitted frame keeps its bytes until the chain ends.
    send: (_t: AdmittedFrame, frame: { body: Buffer }) => {
      sent.push(frame.body.length);
      return new Promise<never>(() => undefined);
    },
    abandon: () => {
      abandoned++;
    },
  };
  const budget = new ByteBudget(12);
  const serve = createFramesHandler({
    frames,
    adminToken: 'x'.repeat(20),
    openFrames: true,
    maxFrameBytes: 10,
    budget,
    logger: pino({ level: 'silent' }),
    now: Date.now,
  });
  const server = http.createServer((req, res) => serve(req.url!.split('/')[3]!, req, res));
  let port = 0;

  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('a frame to a deployment that does not exist is 404 while its body is still on the way', async () => {
    const r = await postOpenBody(port, '/v1/deployments/nope/frames', 8, 1);
    assert.equal(r.status, 404);
    assert.equal(JSON.parse(r.body).error.code, 'not-found');
    assert.deepEqual(admitted, [], 'nothing admitted');
  });

  it('a declared size over the limit is 413 before reading or admitting', async () => {
    const r = await postOpenBody(port, '/v1/deployments/known/frames', 15 * 1024 * 1024, 1024);
    assert.equal(r.status, 413);
    assert.deepEqual(admitted, []);
  });

  it('bytes past the budget of all frames in flight are refused with 503 busy, and given back', async () => {
    const first = await fetchStatus('/v1/deployments/known/frames', 8);
    assert.equal(first, 'pending', 'admitted and held by a chain that has not answered');
    assert.equal(budget.inUse, 8);
    const second = await postOpenBody(port, '/v1/deployments/known/frames', 8, 8);
    assert.equal(second.status, 503);
    assert.equal(JSON.parse(second.body).error.code, 'busy');
    assert.equal(abandoned, 1, 'the refused frame is counted');
    assert.equal(budget.inUse, 8, 'the refused frame gave its bytes back');
    assert.deepEqual(sent, [8]);
  });

  /** 'pending' once the handler passed the whole body on (to a chain that never answers). */
  function fetchStatus(path: string, n: number): Promise<number | 'pending'> {
    return new Promise((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-length': n } });
      req.on('response', (res) => resolve(res.statusCode!));
      req.on('error', () => undefined);
      req.end(Buffer.alloc(n), () => {
        const poll = setInterval(() => {
          if (sent.length) {
            clearInterval(poll);
            resolve('pending');
          }
        }, 5);
      });
    });
  }
});
