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

type Mode = 'good' | 'unsigned' | 'other-token' | 'tampered' | 'replayed' | 'other-node';

describe('answers are believed only when signed over the request', { timeout: 10_000 }, () => {
  let mode: Mode = 'good';
  let lastNonce = '';
  const server = http.createServer((req, res) => {
    const nonce = String(req.headers[PEER_HEADERS.nonce]);
    const body = JSON.stringify({ leader: 'n1' });
    const sig = (s: PeerSigner, n: string, b: string, node = 'n1') => s.responseSignature(200, n, node, b);
    const headers: Record<string, string> = { [PEER_HEADERS.node]: 'n1', 'content-type': 'application/json' };
    if (mode === 'good') headers[PEER_HEADERS.signature] = sig(signer, nonce, body);
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
        assert.equal(e.message, `peer ${address} answered 200 without a valid signature (wrong cluster token?)`);
        return true;
      });
    });
  }
});
