/**
 * The peer router past the header checks: a request whose signature does not
 * cover its body never reaches a handler; only /hello and /join are open to a
 * node that is not yet known; a handler gets the signed query string; a
 * signed body that is not JSON is a 400.
 */
import assert from 'node:assert/strict';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { PEER_HEADERS, PeerSigner } from '../../../src/cluster/peer-auth.js';
import { createPeerRouter, PEER_BASE, type PeerRequest } from '../../../src/cluster/peer-server.js';
import { createLogger } from '../../../src/log.js';

const signer = new PeerSigner('peer-server-test-token-0123');

describe('the peer router', { timeout: 10_000 }, () => {
  const seen: { route: string; from: string; query: string; body: unknown }[] = [];
  const handler = (route: string) => (req: PeerRequest) => {
    seen.push({ route, from: req.from, query: req.query.toString(), body: req.body });
    return { status: 200, body: { ok: true } };
  };
  let server: http.Server;
  let port = 0;
  before(async () => {
    const app = express();
    app.use(
      PEER_BASE,
      createPeerRouter({
        nodeId: 'n1',
        signer,
        now: Date.now,
        logger: createLogger({ level: 'silent' }),
        isKnownPeer: (id) => id === 'n2',
        handlers: {
          'POST /raft': handler('raft'),
          'POST /hello': handler('hello'),
          'POST /join': handler('join'),
          'GET /q': handler('q'),
        },
      }),
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  /** Sends `body` signed by `from` over `signedBody` (the same unless given). */
  async function send(method: string, path: string, from: string, body = '', signedBody = body) {
    const headers = signer.requestHeaders(method, `${PEER_BASE}${path}`, from, signedBody, Date.now());
    const res = await fetch(`http://127.0.0.1:${port}${PEER_BASE}${path}`, {
      method,
      headers: { ...headers, 'content-type': 'application/json' },
      ...(method === 'GET' ? {} : { body }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined, node: res.headers.get(PEER_HEADERS.node) };
  }

  it('a request whose signature covers another body is refused and never handled', async () => {
    seen.length = 0;
    const forged = await send('POST', '/raft', 'n2', '{"term":9}', '{"term":1}');
    assert.equal(forged.status, 401);
    assert.equal(forged.json.error.code, 'unauthorized');
    assert.match(forged.json.error.message, /^peer request refused: bad signature/);
    assert.deepEqual(seen, []);
    const good = await send('POST', '/raft', 'n2', '{"term":1}');
    assert.deepEqual([good.status, good.json, good.node], [200, { ok: true }, 'n1']);
    assert.deepEqual(seen, [{ route: 'raft', from: 'n2', query: '', body: { term: 1 } }]);
  });

  it('a node not yet known may only introduce itself or ask to join', async () => {
    seen.length = 0;
    assert.equal((await send('POST', '/hello', 'n7', '{}')).status, 200);
    assert.equal((await send('POST', '/join', 'n7', '{}')).status, 200);
    const raft = await send('POST', '/raft', 'n7', '{}');
    assert.equal(raft.status, 401);
    assert.deepEqual(raft.json.error, { code: 'unauthorized', message: 'peer request refused: not a known member' });
    assert.deepEqual(
      seen.map((s) => s.route),
      ['hello', 'join'],
    );
  });

  it('a handler gets the signed query string, and none when there is none', async () => {
    seen.length = 0;
    assert.equal((await send('GET', '/q?app=a&n=2', 'n2')).status, 200);
    assert.equal((await send('GET', '/q', 'n2')).status, 200);
    assert.deepEqual(
      seen.map((s) => s.query),
      ['app=a&n=2', ''],
    );
  });

  it('a signed body that is not JSON is a 400, not a 500', async () => {
    seen.length = 0;
    const r = await send('POST', '/raft', 'n2', '{"term":');
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /peer request body is not valid JSON/);
    assert.deepEqual(seen, []);
  });
});
