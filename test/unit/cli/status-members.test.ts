/**
 * `rim status` shows each box's member state (alive / suspect / dead) as the
 * cluster knows it, and keeps a row for a dead box whose node view does not
 * answer, instead of failing or showing it without a state.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../../src/cli/main.js';

const cluster = {
  name: 'rim',
  leader: 'box-1',
  term: 3,
  members: [
    { id: 'box-1', address: '10.0.0.1:7878', state: 'alive' },
    { id: 'box-2', address: '10.0.0.2:7878', state: 'suspect' },
    { id: 'box-3', address: '10.0.0.3:7878', state: 'dead' },
  ],
};
const node = (id: string) => ({ id, state: 'alive', cpus: 4, memoryMB: 8192, accelerators: [], replicas: [] });

describe('rim status and member states', () => {
  let server: Server;
  let url = '';
  before(async () => {
    server = createServer((req, res) => {
      const send = (code: number, body: unknown) => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.url === '/v1/cluster') return send(200, cluster);
      if (req.url === '/v1/deployments') return send(200, []);
      if (req.url === '/v1/nodes/box-3') return send(502, { error: { code: 'unreachable', message: 'box-3 is dead' } });
      const m = /^\/v1\/nodes\/(box-\d)$/.exec(req.url ?? '');
      return m ? send(200, node(m[1]!)) : send(404, { error: { code: 'not-found', message: req.url } });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it("shows the cluster's state of each box, a dead one included", async () => {
    let out = '';
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
    let code: number;
    try {
      code = await runCli(['node', 'rim', 'status'], { RIM_URL: url });
    } finally {
      process.stdout.write = write;
    }
    assert.equal(code, 0, out);
    const row = (id: string) => out.split('\n').find((l) => l.startsWith(id + ' ')) ?? '';
    assert.match(row('box-1'), /^box-1\s+alive\s/);
    assert.match(row('box-2'), /^box-2\s+suspect\s/, 'the member state, not the box its own view (alive)');
    assert.match(row('box-3'), /^box-3\s+dead\s/);
  });
});
