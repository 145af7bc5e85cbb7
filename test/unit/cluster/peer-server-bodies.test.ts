/**
 * What the peer router does with bodies and answers: raw (frame hop) routes
 * take bytes within their own limit and their own byte budget, and answer
 * bytes with their content type; the bytes of a JSON body are given back to
 * the budget once answered; mounted behind a body parser, the router checks
 * the signature over the bytes the parser took; a handler's own refusal is
 * answered, and only a failure that is no refusal is logged as an error.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import express from 'express';
import { PEER_BASE, PEER_LIMITS, type PeerRequest } from '../../../src/cluster/peer-server.js';
import { ValidationError } from '../../../src/domain/errors.js';
import { BusyError } from '../../../src/http/read-body.js';
import { serveRouter, signedByN1 } from './peer-router-fixture.js';

const ok = () => ({ status: 200, body: { ok: true } });
const json = (a: { bytes: Buffer }) => JSON.parse(a.bytes.toString('utf8')) as { error: { message: string } };

describe('the peer paths and limits are fixed', () => {
  it('the router is served under /v1/peer (every client calls /v1/peer/...) with 64 MiB for raw frames', () => {
    assert.equal(PEER_BASE, '/v1/peer');
    assert.deepEqual(PEER_LIMITS, {
      openBytes: 64 * 1024,
      memberBytes: 4 * 1024 * 1024,
      budgetBytes: 16 * 1024 * 1024,
      rawBudgetBytes: 64 * 1024 * 1024,
    });
  });
});

describe('raw (frame hop) routes', { timeout: 20_000 }, () => {
  const frame = randomBytes(6000); // not JSON, over memberBytes below, under the route's limit
  const hop = (got: PeerRequest[]) => ({
    handler: (req: PeerRequest) => {
      got.push(req);
      return { status: 200, raw: { body: Buffer.from('jpeg bytes'), contentType: 'image/jpeg' } };
    },
    maxBytes: 8000,
  });

  it('take bytes up to the route limit, hand them over unparsed, and answer bytes signed with their type', async () => {
    const got: PeerRequest[] = [];
    const s = await serveRouter({ handlers: {}, raw: { 'POST /infer': hop(got) }, limits: { memberBytes: 1024 } });
    try {
      const a = await s.send('POST', '/infer', 'n2', frame);
      assert.equal(a.status, 200);
      assert.deepEqual([got.length, got[0]?.body, got[0]?.raw.equals(frame)], [1, undefined, true]);
      assert.equal(a.headers.get('content-type'), 'image/jpeg');
      assert.equal(a.bytes.toString(), 'jpeg bytes');
      assert.ok(signedByN1(a), 'a raw answer is signed over its bytes');
      const over = await s.send('POST', '/infer', 'n2', randomBytes(8001));
      assert.equal(over.status, 413);
      assert.match(json(over).error.message, /a peer request is at most 8000 bytes/);
      assert.equal(got.length, 1);
    } finally {
      s.close();
    }
  });

  it('are read within their own budget, not the JSON routes’ one', async () => {
    const got: PeerRequest[] = [];
    const own = await serveRouter({
      handlers: {},
      raw: { 'POST /infer': hop(got) },
      limits: { budgetBytes: 1000, rawBudgetBytes: 7000 },
    });
    const small = await serveRouter({
      handlers: {},
      raw: { 'POST /infer': hop(got) },
      limits: { budgetBytes: 100_000, rawBudgetBytes: 5000 },
    });
    try {
      assert.equal((await own.send('POST', '/infer', 'n2', frame)).status, 200, 'JSON budget 1000, raw 7000');
      const busy = await small.send('POST', '/infer', 'n2', frame);
      assert.equal(busy.status, 503, 'JSON budget 100000, raw 5000');
      assert.equal(got.length, 1);
    } finally {
      own.close();
      small.close();
    }
  });

  it('by default, a member may send a frame of 1 MiB', async () => {
    const got: PeerRequest[] = [];
    const s = await serveRouter({ handlers: {}, raw: { 'POST /infer': { ...hop(got), maxBytes: 2 * 1024 * 1024 } } });
    try {
      assert.equal((await s.send('POST', '/infer', 'n2', randomBytes(1024 * 1024))).status, 200);
    } finally {
      s.close();
    }
  });
});

describe('JSON routes', { timeout: 20_000 }, () => {
  it('give a body’s bytes back to the budget once answered', async () => {
    const s = await serveRouter({ handlers: { 'POST /raft': ok }, limits: { memberBytes: 4096, budgetBytes: 5000 } });
    try {
      const body = JSON.stringify({ pad: 'x'.repeat(3000) });
      for (let i = 0; i < 3; i++) assert.equal((await s.send('POST', '/raft', 'n2', body)).status, 200, `${i}`);
      const over = await s.send('POST', '/raft', 'n2', JSON.stringify({ pad: 'x'.repeat(4100) }));
      assert.equal(over.status, 413);
      assert.match(json(over).error.message, /^peer request refused: a peer request is at most 4096 bytes$/);
    } finally {
      s.close();
    }
  });

  it('answer JSON with its content type, and an answer without a body with none', async () => {
    const s = await serveRouter({
      handlers: { 'POST /raft': ok, 'POST /hello': () => ({ status: 202, headers: { 'x-extra': 'yes' } }) },
    });
    try {
      const a = await s.send('POST', '/raft', 'n2', '{}');
      assert.match(a.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(JSON.parse(a.bytes.toString()), { ok: true });
      assert.ok(signedByN1(a));
      const empty = await s.send('POST', '/hello', 'n2', '{}');
      assert.deepEqual([empty.status, empty.bytes.length, empty.headers.get('content-type')], [202, 0, null]);
      assert.equal(empty.headers.get('x-extra'), 'yes');
      assert.ok(signedByN1(empty), 'an empty answer is signed over no bytes');
    } finally {
      s.close();
    }
  });

  it('answer a handler’s refusal with its status, and log only a failure that is no refusal', async () => {
    const s = await serveRouter({
      handlers: {
        'POST /bad': () => {
          throw new ValidationError('no such thing');
        },
        'POST /busy': () => {
          throw new BusyError('busy here', 1);
        },
        'POST /coded': () => {
          throw Object.assign(new Error('not found'), { status: 404 });
        },
        'POST /boom': () => {
          throw new Error('boom');
        },
      },
    });
    try {
      const status = async (path: string) => (await s.send('POST', path, 'n2', '{}')).status;
      assert.deepEqual([await status('/bad'), await status('/busy'), await status('/coded')], [400, 503, 404]);
      assert.deepEqual(
        s.logs.filter((l) => l.level === 'error'),
        [],
      );
      assert.equal(await status('/boom?x=1'), 500);
      const errors = s.logs.filter((l) => l.level === 'error');
      assert.equal(errors.length, 1);
      assert.deepEqual(
        [errors[0]?.msg, errors[0]?.peer, errors[0]?.path],
        ['peer request failed', 'n2', `${PEER_BASE}/boom?x=1`],
      );
    } finally {
      s.close();
    }
  });
});

describe('mounted behind a body parser', { timeout: 20_000 }, () => {
  const seen: { body: unknown; raw: string }[] = [];
  const handlers = {
    'POST /raft': (req: PeerRequest) => {
      seen.push({ body: req.body, raw: req.raw.toString('utf8') });
      return { status: 200, body: { ok: true } };
    },
    'GET /doc': ok,
  };

  it('a JSON parser: the signature is checked over the body it parsed; a GET has none', async () => {
    seen.length = 0;
    const s = await serveRouter({ handlers }, { before: express.json() });
    try {
      const body = JSON.stringify({ term: 3, from: 'n2' });
      assert.equal((await s.send('POST', '/raft', 'n2', body)).status, 200);
      assert.deepEqual(seen, [{ body: { term: 3, from: 'n2' }, raw: body }]);
      const forged = await s.send('POST', '/raft', 'n2', JSON.stringify({ term: 9, from: 'n2' }), body);
      assert.equal(forged.status, 401);
      assert.equal((await s.send('GET', '/doc', 'n2')).status, 200);
      // The parser makes {} of an empty body: that is no body, as signed.
      assert.equal((await s.send('POST', '/raft', 'n2', '')).status, 200);
      assert.deepEqual(seen[1], { body: undefined, raw: '' });
    } finally {
      s.close();
    }
  });

  it('a raw parser: the signature is checked over its bytes', async () => {
    seen.length = 0;
    const s = await serveRouter({ handlers }, { before: express.raw({ type: '*/*' }) });
    try {
      const body = JSON.stringify({ term: 4 });
      assert.equal((await s.send('POST', '/raft', 'n2', body)).status, 200);
      assert.equal((await s.send('POST', '/raft', 'n2', '{"term":5}', body)).status, 401);
      assert.deepEqual(seen, [{ body: { term: 4 }, raw: body }]);
    } finally {
      s.close();
    }
  });
});
