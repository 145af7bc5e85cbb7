/**
 * A node believes only answers signed with the cluster token over its own
 * request's nonce: an unsigned answer, one signed with another token, one
 * whose body was changed, or one replayed from another request is refused
 * with a PeerCallError, whatever its status.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PEER_HEADERS, PeerSigner } from '../../../src/cluster/peer-auth.js';
import { PeerCallError, PeerClient } from '../../../src/cluster/peer-client.js';

const signer = new PeerSigner('peer-answers-test-token-01');
const stranger = new PeerSigner('some-other-cluster-token-9');

type Mode = 'good' | 'unsigned' | 'other-token' | 'tampered' | 'replayed' | 'other-node' | 'not-json' | 'silent';

describe('answers are believed only when signed over the request', { timeout: 10_000 }, () => {
  let mode: Mode = 'good';
  let lastNonce = '';
  /** What the last request carried. */
  const seen = { body: '', contentType: '' };
  const server = http.createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    seen.body = text;
    seen.contentType = String(req.headers['content-type']);
    if (mode === 'silent') return; // never answers; closed by after()
    const nonce = String(req.headers[PEER_HEADERS.nonce]);
    const body = mode === 'not-json' ? '{"leader":' : JSON.stringify({ leader: 'n1' });
    const sig = (s: PeerSigner, n: string, b: string, node = 'n1') => s.responseSignature(200, n, node, b);
    const headers: Record<string, string> = { [PEER_HEADERS.node]: 'n1', 'content-type': 'application/json' };
    if (mode === 'good' || mode === 'not-json') headers[PEER_HEADERS.signature] = sig(signer, nonce, body);
    if (mode === 'other-token') headers[PEER_HEADERS.signature] = sig(stranger, nonce, body);
    if (mode === 'tampered') headers[PEER_HEADERS.signature] = sig(signer, nonce, JSON.stringify({ leader: 'n2' }));
    if (mode === 'replayed') headers[PEER_HEADERS.signature] = sig(signer, lastNonce, body);
    if (mode === 'other-node') headers[PEER_HEADERS.signature] = sig(signer, nonce, body, 'n9');
    lastNonce = nonce;
    res.writeHead(200, headers);
    res.end(body);
  });
  let address = '';
  const client = new PeerClient({ nodeId: 'n2', signer, now: Date.now });

  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('a correctly signed answer is returned with its signer', async () => {
    mode = 'good';
    const a = await client.call<{ leader: string }>(address, 'GET', '/v1/peer/doc');
    assert.deepEqual(a, { status: 200, nodeId: 'n1', body: { leader: 'n1' } });
  });

  for (const bad of ['unsigned', 'other-token', 'tampered', 'replayed', 'other-node'] as const) {
    it(`an answer that is ${bad} is refused`, async () => {
      mode = 'good';
      await client.call(address, 'GET', '/v1/peer/doc'); // a nonce the replay can reuse
      mode = bad;
      await assert.rejects(client.call(address, 'GET', '/v1/peer/doc'), (e: unknown) => {
        assert.ok(e instanceof PeerCallError);
        assert.equal(e.name, 'PeerCallError');
        assert.equal(e.message, `peer ${address} answered 200 without a valid signature (wrong cluster token?)`);
        return true;
      });
    });
  }

  it('a signed answer that is not JSON is refused as malformed', async () => {
    mode = 'not-json';
    await assert.rejects(client.call(address, 'GET', '/v1/peer/doc'), (e: unknown) => {
      assert.ok(e instanceof PeerCallError);
      assert.equal(e.message, `peer ${address} sent malformed JSON`);
      assert.equal(e.status, 200);
      return true;
    });
  });

  it('a call without a body sends an empty one (the signature covers it), JSON otherwise', async () => {
    mode = 'good';
    const a = await client.call(address, 'POST', '/v1/peer/hello');
    assert.equal(a.status, 200);
    assert.equal(seen.body, '');
    await client.call(address, 'POST', '/v1/peer/hello', { id: 'n2' });
    assert.equal(seen.body, '{"id":"n2"}');
    assert.equal(seen.contentType, 'application/x-rim-peer');
  });

  it("a call's own timeout wins over the client's, and a peer that does not answer is unreachable", async () => {
    mode = 'silent';
    const patient = new PeerClient({ nodeId: 'n2', signer, now: Date.now, timeoutMs: 60_000 });
    await assert.rejects(patient.call(address, 'GET', '/v1/peer/doc', undefined, 50), (e: unknown) => {
      assert.ok(e instanceof PeerCallError);
      assert.match(e.message, new RegExp(`^peer ${address} unreachable: .+`));
      assert.equal(e.status, undefined);
      assert.ok(e.cause, 'the network error is kept as the cause');
      return true;
    });
  });
});
