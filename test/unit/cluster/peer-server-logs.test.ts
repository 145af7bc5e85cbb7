/**
 * What the peer router logs and tells the cool-down about a refused request:
 * the source address (an IPv4 client of a dual-stack listener as its plain
 * IPv4 address, the form the accept-time cut-off compares), the claimed peer
 * id and the path, each bounded (a sender chooses them), and the reason.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { networkInterfaces } from 'node:os';
import { describe, it } from 'node:test';
import { PEER_HEADERS } from '../../../src/cluster/peer-auth.js';
import { PEER_BASE, type PeerRequest } from '../../../src/cluster/peer-server.js';
import { serveRouter } from './peer-router-fixture.js';

/** Sends an unsigned POST with `headers`; resolves with the status. */
function unsigned(port: number, path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: `${PEER_BASE}${path}`, method: 'POST', headers });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

/** A dual-stack listener needs IPv6 on this host (some CI containers have none). */
const ipv6 = Object.values(networkInterfaces()).some((l) => l?.some((i) => i.family === 'IPv6'));

const refusals = (logs: Record<string, unknown>[]) => logs.filter((l) => l.level === 'warn');

describe('a refused peer request', { timeout: 20_000 }, () => {
  it('is logged with its address, claimed peer id, path and reason; "unknown" without an id', async () => {
    const s = await serveRouter({ handlers: {} });
    try {
      assert.equal(await unsigned(s.port, '/raft?term=2'), 401);
      const [line, ...more] = refusals(s.logs);
      assert.deepEqual(more, []);
      assert.deepEqual(
        [line?.remote, line?.peer, line?.path, line?.reason],
        ['127.0.0.1', 'unknown', `${PEER_BASE}/raft?term=2`, 'not signed'],
      );
    } finally {
      s.close();
    }
  });

  it('logs at most 64 characters of the claimed id and 128 of the path', async () => {
    const s = await serveRouter({ handlers: {} });
    try {
      const id = `n2${'x'.repeat(300)}`;
      const path = `/raft?pad=${'p'.repeat(300)}`;
      assert.equal(await unsigned(s.port, path, { [PEER_HEADERS.node]: id }), 401);
      const [line] = refusals(s.logs);
      assert.equal(line?.peer, id.slice(0, 64));
      assert.equal(line?.path, `${PEER_BASE}${path}`.slice(0, 128));
    } finally {
      s.close();
    }
  });

  it(
    'on a dual-stack listener, an IPv4 client is known by its IPv4 address',
    { skip: !ipv6 && 'no IPv6' },
    async () => {
      const cooled: string[] = [];
      const from: string[] = [];
      const s = await serveRouter(
        {
          handlers: { 'POST /raft': (req: PeerRequest) => (from.push(req.remoteAddress), { status: 200 }) },
          onRefused: (address) => cooled.push(address),
        },
        { host: '::' },
      );
      try {
        assert.equal(await unsigned(s.port, '/raft'), 401);
        assert.deepEqual(cooled, ['127.0.0.1']);
        assert.equal(refusals(s.logs)[0]?.remote, '127.0.0.1');
        assert.equal((await s.send('POST', '/raft', 'n2', '{}')).status, 200);
        assert.deepEqual(from, ['127.0.0.1']);
      } finally {
        s.close();
      }
    },
  );
});
