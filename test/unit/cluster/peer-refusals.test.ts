/**
 * The peer API refuses on headers before it reads a body: unsigned, stale,
 * malformed or unknown senders get 401 while their body is still on the way;
 * a body over the limit of its route is 413 unread. Refusals are logged once
 * per source address, however many peer ids the sender makes up.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { PEER_HEADERS, PeerSigner } from '../../../src/cluster/peer-auth.js';
import { createPeerRouter, PEER_BASE } from '../../../src/cluster/peer-server.js';
import { createLogger } from '../../../src/log.js';

const signer = new PeerSigner('peer-refusals-test-token-01');
const NOW = 1_000_000_000;

interface Answer {
  status: number;
  code: string;
}

describe('peer requests are refused before their body is read', { timeout: 10_000 }, () => {
  const logs: string[] = [];
  const destination = new Writable({
    write(c, _e, cb) {
      logs.push(String(c));
      cb();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  const handled: string[] = [];
  /** Refusals told to the cool-down, by reason (the test's address is always 127.0.0.1). */
  const cooled: string[] = [];
  const handler = (name: string) => () => {
    handled.push(name);
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
        now: () => NOW,
        logger,
        isKnownPeer: (id) => id === 'n2',
        handlers: { 'POST /raft': handler('raft'), 'POST /hello': handler('hello') },
        limits: { openBytes: 1024, memberBytes: 4096 },
        onRefused: (address) => cooled.push(address),
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

  /** Sends the headers and `sent` bytes of a `declared`-byte body; resolves with the answer, the rest unsent. */
  function open(path: string, headers: Record<string, string>, declared: number, sent = 1): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port,
        path: `${PEER_BASE}${path}`,
        method: 'POST',
        headers: { ...headers, 'content-length': declared },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c) => {
          text += String(c);
        });
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode!, code: JSON.parse(text).error.code });
        });
      });
      req.on('error', reject);
      req.write(Buffer.alloc(sent));
    });
  }
  const signed = (path: string, from: string, body = '{}', at = NOW) =>
    ({ ...signer.requestHeaders('POST', `${PEER_BASE}${path}`, from, body, at) }) as Record<string, string>;

  it('unsigned: 401 with the body unread', async () => {
    assert.deepEqual(await open('/raft', {}, 8 * 1024 * 1024), { status: 401, code: 'unauthorized' });
  });

  it('a signature that is not 64 hex digits, or a nonce of the wrong shape: 401 unread', async () => {
    const h = signed('/raft', 'n2');
    assert.equal((await open('/raft', { ...h, [PEER_HEADERS.signature]: 'x'.repeat(64) }, 1000)).status, 401);
    assert.equal((await open('/raft', { ...h, [PEER_HEADERS.nonce]: 'not a nonce' }, 1000)).status, 401);
    assert.equal((await open('/raft', { ...h, [PEER_HEADERS.node]: 'n2 with spaces' }, 1000)).status, 401);
  });

  it('a timestamp outside the replay window: 401 unread', async () => {
    assert.equal((await open('/raft', signed('/raft', 'n2', '{}', NOW - 60_000), 1000)).status, 401);
  });

  it('only refusals no token holder causes count towards the cool-down', async () => {
    cooled.length = 0;
    await open('/raft', {}, 10);
    assert.deepEqual(cooled, ['127.0.0.1'], 'unsigned');
    const h = signed('/raft', 'n2');
    await open('/raft', { ...h, [PEER_HEADERS.signature]: 'x'.repeat(64) }, 10);
    assert.equal(cooled.length, 2, 'malformed');
    await open('/raft', signed('/raft', 'n2', '{}', NOW - 60_000), 10);
    await open('/raft', signed('/raft', 'retired'), 10);
    assert.equal(cooled.length, 2, 'a stale clock or a retired member is refused, not cooled down');
  });

  it('a sender that is no known member: 401 unread on member routes, while /hello is open to it', async () => {
    assert.equal((await open('/raft', signed('/raft', 'stranger'), 1000)).status, 401);
    assert.deepEqual(handled, []);
    const body = '{"hi":1}';
    const res = await fetch(`http://127.0.0.1:${port}${PEER_BASE}/hello`, {
      method: 'POST',
      body,
      headers: signed('/hello', 'stranger', body),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(handled, ['hello']);
  });

  it('a body declared over its route limit is 413 unread; a member route allows more than an open one', async () => {
    assert.deepEqual(await open('/hello', signed('/hello', 'n2'), 2000), { status: 413, code: 'too-large' });
    assert.deepEqual(await open('/raft', signed('/raft', 'n2'), 5000), { status: 413, code: 'too-large' });
    const body = JSON.stringify({ pad: 'x'.repeat(2000) });
    const res = await fetch(`http://127.0.0.1:${port}${PEER_BASE}/raft`, {
      method: 'POST',
      body,
      headers: signed('/raft', 'n2', body),
    });
    assert.equal(res.status, 200);
  });

  it('refusals are logged once per source address, not once per claimed peer id', async () => {
    const before = logs.filter((l) => l.includes('peer request refused')).length;
    for (let i = 0; i < 50; i++) await open('/raft', { [PEER_HEADERS.node]: `made-up-${i}` }, 10);
    const after = logs.filter((l) => l.includes('peer request refused')).length;
    assert.ok(before >= 1, 'the first refusal from this address was logged');
    assert.equal(after, before, 'fifty more refusals from the same address within the period: no new line');
  });
});

describe('peer ids made up by the dozen from one address count towards the cool-down', { timeout: 10_000 }, () => {
  let now = NOW;
  const cooled: string[] = [];
  let server: http.Server;
  let port = 0;

  before(async () => {
    const app = express();
    app.use(
      PEER_BASE,
      createPeerRouter({
        nodeId: 'n1',
        signer,
        now: () => now,
        logger: createLogger({ level: 'silent' }),
        isKnownPeer: (id) => id === 'n2',
        handlers: { 'POST /raft': () => ({ status: 200, body: { ok: true } }) },
        onRefused: (address) => cooled.push(address),
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

  /** A well-formed request under `from` whose signature is wrong: refused on its headers as no known member. */
  const forged = async (from: string) => {
    const headers = {
      [PEER_HEADERS.node]: from,
      [PEER_HEADERS.timestamp]: String(now),
      [PEER_HEADERS.nonce]: Math.random().toString(16).slice(2).padEnd(24, '0'),
      [PEER_HEADERS.signature]: 'f'.repeat(64),
    };
    const res = await fetch(`http://127.0.0.1:${port}${PEER_BASE}/raft`, { method: 'POST', body: '{}', headers });
    await res.arrayBuffer();
    return res.status;
  };

  it('one unknown id, again and again (a retired member): refused, never cooled down', async () => {
    cooled.length = 0;
    now += 60_000;
    for (let i = 0; i < 10; i++) assert.equal(await forged('retired-member'), 401);
    assert.deepEqual(cooled, []);
  });

  it('a third unknown id within the window: that refusal and every later one count', async () => {
    cooled.length = 0;
    now += 60_000;
    for (let i = 0; i < 6; i++) assert.equal(await forged(`forged-${i}`), 401);
    assert.deepEqual(cooled, ['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1'], 'ids 3 to 6');
  });
});
