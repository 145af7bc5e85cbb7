/**
 * What the peer headers alone decide, and the nonce memory: a request missing
 * a field is "not signed"; an id, nonce or signature of the wrong shape
 * (anything before or after it included) is "malformed"; the replay window is
 * ±30 s inclusive; a replayed nonce is refused before its body is read; the
 * reason is kept exact, since only unsigned, malformed and badly signed
 * requests count towards an address's cut-off (a member with a stale clock or
 * a retry is not cut off). The nonce memory is swept once it holds 1024
 * nonces, and never forgets a nonce whose timestamp is still accepted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PEER_HEADERS, PeerSigner, PeerVerifier, REPLAY_WINDOW_MS } from '../../../src/cluster/peer-auth.js';

const signer = new PeerSigner('peer-auth-precheck-token-0001');
const PATH = '/v1/peer/raft';
const body = '{"type":"append"}';
const NOW = 10_000_000;

const headers = (nodeId = 'n1', ts = NOW): Record<string, string> => ({
  ...signer.requestHeaders('POST', PATH, nodeId, body, ts),
});

test('a request missing any signature header is "not signed", before its body is read', () => {
  const v = new PeerVerifier(signer);
  for (const k of Object.values(PEER_HEADERS)) {
    const h = headers();
    delete h[k];
    assert.deepEqual(v.precheck(h, NOW), { ok: false, reason: 'not signed' }, `without ${k}`);
    assert.deepEqual(v.check('POST', PATH, h, body, NOW), { ok: false, reason: 'not signed' }, `without ${k}`);
  }
  assert.deepEqual(v.precheck({ ...headers(), [PEER_HEADERS.timestamp]: 'soon' }, NOW), {
    ok: false,
    reason: 'not signed',
  });
});

test('an id, nonce or signature of the wrong shape is malformed, even with anything before or after a good one', () => {
  const v = new PeerVerifier(signer);
  const h = headers();
  const bad: [string, string][] = [
    [PEER_HEADERS.node, 'n 1'],
    [PEER_HEADERS.node, ' n1'],
    [PEER_HEADERS.node, 'n1 '],
    [PEER_HEADERS.node, 'x'.repeat(129)],
    [PEER_HEADERS.nonce, `z${h[PEER_HEADERS.nonce]}`],
    [PEER_HEADERS.nonce, `${h[PEER_HEADERS.nonce]}z`],
    [PEER_HEADERS.nonce, 'a'.repeat(65)],
    [PEER_HEADERS.nonce, 'a'.repeat(15)],
    [PEER_HEADERS.signature, `z${h[PEER_HEADERS.signature]}`],
    [PEER_HEADERS.signature, `${h[PEER_HEADERS.signature]}z`],
  ];
  for (const [k, value] of bad) {
    assert.deepEqual(
      v.precheck({ ...h, [k]: value }, NOW),
      { ok: false, reason: 'malformed signature headers' },
      `${k}: ${value.slice(0, 20)}`,
    );
  }
  assert.deepEqual(v.precheck({ ...h, [PEER_HEADERS.node]: 'x'.repeat(128) }, NOW).ok, true, '128 characters');
});

test('the replay window is ±30 s inclusive, and a stale request is refused as stale, not as badly signed', () => {
  assert.equal(REPLAY_WINDOW_MS, 30_000);
  const v = new PeerVerifier(signer);
  for (const ts of [NOW - 30_000, NOW + 30_000]) {
    assert.equal(v.check('POST', PATH, headers('n1', ts), body, NOW).ok, true, `at ${ts - NOW} ms`);
  }
  for (const ts of [NOW - 30_001, NOW + 30_001]) {
    const stale = { ok: false, reason: 'timestamp outside the replay window' };
    assert.deepEqual(v.precheck(headers('n1', ts), NOW), stale, `at ${ts - NOW} ms`);
    assert.deepEqual(v.check('POST', PATH, headers('n1', ts), body, NOW), stale, `at ${ts - NOW} ms`);
  }
});

test('a replayed nonce is refused on its headers, before its body is read, as a replay', () => {
  const v = new PeerVerifier(signer);
  const h = headers();
  assert.equal(v.check('POST', PATH, h, body, NOW).ok, true);
  assert.deepEqual(v.precheck(h, NOW + 1), { ok: false, reason: 'replayed request' });
  assert.deepEqual(v.check('POST', PATH, h, body, NOW + 1), { ok: false, reason: 'replayed request' });
});

test('the nonce memory is swept past 1024 nonces, and keeps every nonce whose timestamp is still accepted', () => {
  const windowMs = 1000;
  const v = new PeerVerifier(signer, windowMs);
  // Reads the private map: its size is the memory bound this test is about.
  const held = () => (v as unknown as { seen: Map<string, number> }).seen.size;
  const accept = (h: Record<string, string>, now: number) =>
    assert.equal(v.check('POST', PATH, h, body, now).ok, true, `accepted at ${now}`);
  const old = headers('n1', 0);
  accept(old, 0);
  for (let i = 0; i < 1022; i++) accept(headers('n1', 0), 0);
  accept(headers('n1', 500), 500);
  assert.equal(held(), 1024);
  const b = headers('n1', 1000);
  accept(b, 1000); // sweeps: nothing is older than the window yet (1000 ms away is still accepted)
  assert.equal(held(), 1025);
  assert.deepEqual(
    v.check('POST', PATH, old, body, 1000),
    { ok: false, reason: 'replayed request' },
    'a nonce exactly at the edge of the window is still remembered',
  );
  const c = headers('n1', 1600);
  accept(c, 1600); // sweeps every nonce more than 1000 ms older
  assert.equal(held(), 2, 'only the nonces still inside the window are kept');
  for (const h of [b, c]) {
    assert.deepEqual(v.check('POST', PATH, h, body, 1600), { ok: false, reason: 'replayed request' });
  }
});
