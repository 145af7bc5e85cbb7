/**
 * A stall of the node's own process (starved of CPU, a long GC pause) is not
 * the leader's silence: a leader's heartbeat that arrived during the stall
 * waits in a socket, and Node runs timers before it reads sockets. The first
 * tick after the stall must not start an election before that heartbeat is
 * read (bench:testbed saw a leader change mid-window on a starved host).
 *
 * The heartbeat is written by a worker thread while the main thread is
 * blocked, so it really waits in the socket when the main thread resumes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createServer, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { RaftDriver } from '../../../src/cluster/raft-driver.js';
import type { RaftMessage } from '../../../src/domain/election/types.js';
import { createLogger } from '../../../src/log.js';

type Doc = { n: number };

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const flag = new Int32Array(workerData.flag);
const socket = net.connect(workerData.port, '127.0.0.1', () => parentPort.postMessage('connected'));
parentPort.on('message', () => {
  // The main thread is blocked now: this write lands in its socket during the stall.
  socket.write('heartbeat\\n', () => {
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    socket.end();
  });
});
`;

test('a heartbeat that waited in a socket during a stall is read before the next election tick', async () => {
  const cfg = { electionMinMs: 300, electionMaxMs: 400, heartbeatMs: 50, maxPending: 64 };
  const entry = { term: 1, index: 1, voters: ['a', 'b', 'c'], data: { n: 1 } };
  const sent: RaftMessage<Doc>[] = [];
  const driver = new RaftDriver<Doc>({
    id: 'a',
    cfg,
    persistence: { load: () => ({ term: 1, votedFor: 'b', committed: entry, pending: [] }), save: async () => {} },
    send: (m) => sent.push(m),
    now: Date.now,
    logger: createLogger({ level: 'silent' }),
    tickMs: 5,
    proposeTimeoutMs: 10_000,
  });
  const heartbeat = (): Promise<void> =>
    driver.deliver({
      type: 'append',
      term: 1,
      from: 'b',
      to: 'a',
      head: { term: 1, index: 1 },
      commitIndex: 1,
    });

  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const flag = new SharedArrayBuffer(4);
  const worker = new Worker(WORKER, { eval: true, workerData: { port, flag } });
  const stop = new AbortController();
  try {
    await once(worker, 'message'); // connected
    const [socket] = await accepted;
    socket.on('data', () => void heartbeat());

    await heartbeat();
    driver.start(stop.signal);
    // Heartbeats on time: the follower stays a follower of b.
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 10));
      await heartbeat();
    }
    assert.equal(driver.snapshot.leader, 'b');
    const before = sent.length;

    // The stall: blocked for three election timeouts; the leader's heartbeat arrives meanwhile.
    worker.postMessage('go');
    const view = new Int32Array(flag);
    const started = Date.now();
    while (Atomics.load(view, 0) === 0) Atomics.wait(view, 0, 0, 50);
    while (Date.now() - started < 3 * cfg.electionMaxMs) Atomics.wait(view, 0, 1, 10);

    // Let the late tick, the socket read and a few more ticks happen (well under an election timeout).
    await new Promise((r) => setTimeout(r, 25));
    const asked = sent.slice(before).filter((m) => m.type === 'prevote-req' || m.type === 'vote-req');
    assert.deepEqual(asked, [], 'no (pre)vote was asked for: the stall was ours, the leader had spoken');
    assert.equal(driver.snapshot.role, 'follower');
    assert.equal(driver.snapshot.term, 1);
    assert.equal(driver.snapshot.leader, 'b');
  } finally {
    stop.abort();
    await worker.terminate();
    server.close();
  }
});
