/**
 * Peer request signatures: a valid one passes once; a replay, a tampered
 * body, a stale timestamp or another token fail.
 */
import { test } from 'node:test';
import { inspect } from 'node:util';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { canonical, PEER_HEADERS, PeerSigner, PeerVerifier } from '../../../src/cluster/peer-auth.js';

const signer = new PeerSigner('the-cluster-token-123456');
const body = JSON.stringify({ type: 'append', term: 3 });

test('a signed request is accepted once, and only as signed', () => {
  const v = new PeerVerifier(signer);
  const h = signer.requestHeaders('POST', '/v1/peer/raft', 'n1', body, 1_000_000);
  assert.deepEqual(v.check('POST', '/v1/peer/raft', { ...h }, body, 1_000_500), {
    ok: true,
    nodeId: 'n1',
    nonce: h[PEER_HEADERS.nonce],
  });
  assert.equal(v.check('POST', '/v1/peer/raft', { ...h }, body, 1_000_600).ok, false, 'replay refused');
  const h2 = signer.requestHeaders('POST', '/v1/peer/raft', 'n1', body, 1_000_000);
  assert.equal(
    v.check('POST', '/v1/peer/raft', { ...h2 }, body.replace('3', '4'), 1_000_000).ok,
    false,
    'tampered body refused',
  );
  assert.equal(v.check('POST', '/v1/peer/join', { ...h2 }, body, 1_000_000).ok, false, 'another path refused');
  assert.equal(
    v.check('POST', '/v1/peer/raft', { ...h2, [PEER_HEADERS.node]: 'n2' }, body, 1_000_000).ok,
    false,
    'another sender refused',
  );
  const h3 = signer.requestHeaders('POST', '/v1/peer/raft', 'n1', body, 1_000_000);
  assert.equal(
    v.check('POST', '/v1/peer/raft', { ...h3 }, body, 1_000_000 + 60_000).ok,
    false,
    'outside the replay window',
  );
});

test('a node with another token cannot sign, and answers are bound to the request', () => {
  const v = new PeerVerifier(signer);
  const other = new PeerSigner('some-other-token-654321');
  const h = other.requestHeaders('POST', '/v1/peer/hello', 'x', body, 5);
  const r = v.check('POST', '/v1/peer/hello', { ...h }, body, 5);
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.reason, /wrong cluster token/);
  assert.notEqual(
    signer.responseSignature(200, 'nonce-a', 'n1', '{}'),
    signer.responseSignature(200, 'nonce-b', 'n1', '{}'),
  );
  assert.notEqual(
    signer.responseSignature(200, 'nonce-a', 'n1', '{}'),
    other.responseSignature(200, 'nonce-a', 'n1', '{}'),
  );
});

test('the signer keeps no readable copy of the token', () => {
  assert.ok(!JSON.stringify(signer).includes('the-cluster-token'));
  assert.ok(!inspect(signer, { showHidden: true }).includes('the-cluster-token'));
});

test('verify accepts only the signature of the text, and refuses a missing or ill-formed one without throwing', () => {
  const text = 'POST\n/v1/peer/raft\nn1';
  const good = signer.sign(text);
  assert.equal(signer.verify(text, good), true);
  assert.equal(signer.verify(`${text}x`, good), false, 'another text');
  assert.equal(signer.verify(text, undefined), false);
  assert.equal(signer.verify(text, ''), false);
  assert.equal(signer.verify(text, 'zz'.repeat(32)), false, 'not hex');
  assert.equal(signer.verify(text, good.toUpperCase()), false, 'not lower-case hex');
  assert.equal(signer.verify(text, good.slice(0, 62)), false, 'too short');
});

test('a request signed by a node is refused when presented as coming from another', () => {
  const v = new PeerVerifier(signer);
  const h = signer.requestHeaders('POST', '/v1/peer/raft', 'n1', body, 7);
  const r = v.check('POST', '/v1/peer/raft', { ...h, [PEER_HEADERS.node]: 'n3' }, body, 7);
  assert.deepEqual(r, { ok: false, reason: 'bad signature (wrong cluster token?)' });
  assert.equal(v.check('POST', '/v1/peer/raft', { ...h }, body, 7).ok, true, 'the refusal did not burn the nonce');
});

test('verify refuses a valid signature with anything before or after it, without throwing', () => {
  const text = 'POST\n/v1/peer/raft\nn2';
  const good = signer.sign(text);
  assert.equal(signer.verify(text, `${good}00`), false, 'a longer hex string');
  assert.equal(signer.verify(text, `x${good}`), false, 'a prefix');
});

test('the signed text and the signature are fixed formats: nodes of different versions must agree on them', () => {
  const bodyHash = createHash('sha256').update('{}').digest('hex');
  assert.equal(
    canonical('post', '/v1/peer/raft', 'n1', 5, 'abcd', '{}'),
    `POST\n/v1/peer/raft\nn1\n5\nabcd\n${bodyHash}`,
  );
  assert.equal(canonical('GET', '/p', 'n1', 5, 'abcd', Buffer.from('{}')), `GET\n/p\nn1\n5\nabcd\n${bodyHash}`);
  // HMAC-SHA256 keyed with sha256("rim-peer:" + token): the token itself is never the key.
  const key = createHash('sha256').update('rim-peer:the-cluster-token-123456').digest();
  assert.equal(signer.sign('text'), createHmac('sha256', key).update('text').digest('hex'));
  const expected = createHmac('sha256', key)
    .update(canonical('RESPONSE-409', 'abcd', 'n1', 0, 'abcd', '{}'))
    .digest('hex');
  assert.equal(signer.responseSignature(409, 'abcd', 'n1', '{}'), expected);
});

test("an answer's signature covers its status: a signed 200 does not pass as a 409 with the same body", () => {
  assert.notEqual(signer.responseSignature(200, 'abcd', 'n1', '{}'), signer.responseSignature(409, 'abcd', 'n1', '{}'));
});
