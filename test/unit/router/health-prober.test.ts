/**
 * The health prober keeps one connection per replica: repeated probes do not
 * connect (and close) anew each time, and a replica that closes the kept
 * connection, or dies, is still seen as it is.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { HealthProber } from '../../../src/router/health-prober.js';

interface Replica {
  server: http.Server;
  port: number;
  connections: number;
  probes: number;
  /** Resolves once the replica has answered this many probes in all. */
  probed(n: number): Promise<void>;
}

async function replicaServer(opts: { closeAfterEach?: boolean } = {}): Promise<Replica> {
  const waiters: { n: number; r: () => void }[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    r.probes++;
    if (opts.closeAfterEach) res.setHeader('connection', 'close');
    res.end('ok');
    for (const w of waiters.filter((x) => r.probes >= x.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      res.once('finish', w.r);
    }
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', () => r.connections++);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const r: Replica = {
    server,
    port: (server.address() as AddressInfo).port,
    connections: 0,
    probes: 0,
    probed: (n) => new Promise((ok) => (r.probes >= n ? ok() : waiters.push({ n, r: ok }))),
  };
  return r;
}

const prober = () =>
  new HealthProber({ now: Date.now, onChange: () => {}, config: { readyEveryMs: 5, notReadyEveryMs: 5 } });

test('ten probes of a replica use one connection', async () => {
  const r = await replicaServer();
  const p = prober();
  try {
    p.health('r1', '127.0.0.1', r.port);
    await r.probed(10);
    assert.equal(r.connections, 1, `${r.probes} probes over ${r.connections} connections`);
    assert.equal(p.health('r1', '127.0.0.1', r.port), 'ready');
  } finally {
    p.close();
    r.server.closeAllConnections();
    r.server.close();
  }
});

test('a replica that closes each connection stays ready (probes connect again), and a dead one leaves', async () => {
  const r = await replicaServer({ closeAfterEach: true });
  let changes = 0;
  const p = new HealthProber({
    now: Date.now,
    onChange: () => changes++,
    config: { readyEveryMs: 5, notReadyEveryMs: 5 },
  });
  try {
    p.health('r1', '127.0.0.1', r.port);
    await r.probed(5);
    assert.equal(p.health('r1', '127.0.0.1', r.port), 'ready');
    assert.equal(changes, 1, 'ready once, never out');
    r.server.closeAllConnections();
    await new Promise((ok) => r.server.close(ok));
    const t0 = Date.now();
    while (p.health('r1', '127.0.0.1', r.port) === 'ready' && Date.now() - t0 < 5000) {
      await new Promise((ok) => setTimeout(ok, 5));
    }
    assert.notEqual(p.health('r1', '127.0.0.1', r.port), 'ready', 'a dead replica leaves rotation');
  } finally {
    p.close();
  }
});

test('a kept connection the replica drops as a probe goes out: the probe is tried once more, fresh', async () => {
  // Answers the first request on each connection and drops the connection at the second, unanswered.
  let answered = 0;
  const server = net.createServer((socket) => {
    let requests = 0;
    socket.on('data', (d) => {
      if (!d.toString().startsWith('GET /healthz')) return;
      if (++requests > 1) {
        socket.destroy();
        return;
      }
      answered++;
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  let left = 0;
  const p = new HealthProber({
    now: Date.now,
    onChange: () => left++,
    // One failed probe takes a ready replica out: a dropped kept connection must not count as one.
    config: { readyEveryMs: 5, notReadyEveryMs: 5, failuresToLeave: 1 },
  });
  try {
    p.health('r1', '127.0.0.1', port);
    const t0 = Date.now();
    while (answered < 8 && Date.now() - t0 < 5000) await new Promise((ok) => setTimeout(ok, 5));
    assert.ok(answered >= 8, `${answered} probes answered`);
    assert.equal(left, 1, 'entered rotation once and never left');
    assert.equal(p.health('r1', '127.0.0.1', port), 'ready');
  } finally {
    p.close();
    server.close();
  }
});
