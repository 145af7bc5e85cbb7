/**
 * Every early refusal goes through the loop's turn budget, not only stream
 * requests: peer requests refused on their headers and frames refused before
 * their bytes are read are answered a budget's worth a turn. And a request
 * from an address that cooled down while it was on its way is closed
 * unanswered, unlogged and uncounted (http/cooled-requests.ts).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import express from 'express';
import pino from 'pino';
import { PeerSigner } from '../../../src/cluster/peer-auth.js';
import { createPeerRouter, PEER_BASE } from '../../../src/cluster/peer-server.js';
import { NotFoundError } from '../../../src/domain/errors.js';
import { closeIfCooled } from '../../../src/http/cooled-requests.js';
import { RefusalCooldown } from '../../../src/http/refusal-cooldown.js';
import { discardBody } from '../../../src/http/refuse-early.js';
import { turnBudget } from '../../../src/http/turn-budget.js';
import { createLogger } from '../../../src/log.js';
import { createFramesHandler } from '../../../src/router/frames-http.js';

/** A turn budget of `perTurn` whose check phase the test runs by hand (`turn()`). */
function handBudget(perTurn: number) {
  let pending: (() => void)[] = [];
  const budget = turnBudget(perTurn, (f) => pending.push(f));
  return {
    budget,
    turn() {
      const now = pending;
      pending = [];
      for (const f of now) f();
    },
  };
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** Resolves once `ok()` holds, checking once a loop turn; rejects after `ms`. */
async function until(ok: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** POSTs `path` with headers and a 2-byte body on a connection of its own; records the status when answered. */
function post(port: number, path: string, headers: Record<string, string>, statuses: number[]): void {
  const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent: false, headers });
  req.on('response', (res) => {
    statuses.push(res.statusCode!);
    res.resume();
  });
  req.on('error', () => undefined);
  req.end('{}');
}

test('peer requests refused on their headers are answered a turn budget at a time', async () => {
  const hand = handBudget(2);
  const app = express();
  const router = createPeerRouter({
    nodeId: 'n1',
    signer: new PeerSigner('refusal-turns-test-token-0'),
    now: Date.now,
    logger: pino({ level: 'silent' }),
    handlers: { 'POST /raft': () => ({ status: 200 }) },
    turnBudget: hand.budget,
  });
  app.use(PEER_BASE, router);
  const server = http.createServer(app);
  const port = await listen(server);
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) post(port, `${PEER_BASE}/raft`, { 'content-type': 'application/json' }, statuses);
    await until(() => statuses.length + hand.budget.waiting >= 3);
    assert.equal(hand.budget.waiting, 1, 'the third refusal waits for the next turn');
    await until(() => statuses.length === 2);
    hand.turn();
    await until(() => statuses.length === 3);
    assert.deepEqual(statuses, [401, 401, 401], 'each refusal answered as before');
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('frames refused before their bytes are read are answered a turn budget at a time', async () => {
  const hand = handBudget(2);
  const serve = createFramesHandler({
    frames: {
      admit: (name) => {
        throw new NotFoundError(`deployment "${name}" does not exist`);
      },
      send: () => Promise.reject(new Error('not admitted')),
      abandon: () => undefined,
    },
    adminToken: 'x'.repeat(20),
    openFrames: true,
    maxFrameBytes: 1024,
    logger: pino({ level: 'silent' }),
    now: Date.now,
    turnBudget: hand.budget,
  });
  const server = http.createServer((req, res) => serve('nope', req, res));
  const port = await listen(server);
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) post(port, '/v1/deployments/nope/frames', {}, statuses);
    await until(() => statuses.length + hand.budget.waiting >= 3);
    assert.equal(hand.budget.waiting, 1, 'the third refusal waits for the next turn');
    await until(() => statuses.length === 2);
    hand.turn();
    await until(() => statuses.length === 3);
    assert.deepEqual(statuses, [404, 404, 404]);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

/** Sends one unsigned peer request on `socket`; resolves with its status line, or 'closed' when none came. */
function askOn(socket: net.Socket, port: number): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const onData = (c: Buffer) => {
      got += String(c);
    };
    socket.on('data', onData);
    socket.once('close', () => resolve(got ? got.split('\r\n')[0]! : 'closed'));
    socket.write(
      `POST ${PEER_BASE}/raft HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\n` +
        'content-length: 2\r\n\r\n{}',
    );
  });
}

test('requests from an address cooled down while they were on their way are closed unanswered', async () => {
  const lines: string[] = [];
  const destination = new Writable({
    write(c, _e, cb) {
      lines.push(String(c));
      cb();
    },
  });
  const cooldown = new RefusalCooldown(Date.now, { refusals: 5 });
  const told: string[] = [];
  const app = express();
  app.use(
    PEER_BASE,
    createPeerRouter({
      nodeId: 'n1',
      signer: new PeerSigner('refusal-turns-test-token-0'),
      now: Date.now,
      logger: createLogger({ level: 'info', destination }),
      handlers: { 'POST /raft': () => ({ status: 200 }) },
      turnBudget: turnBudget(),
      onRefused: (address) => {
        told.push(address);
        cooldown.refused(address);
      },
    }),
  );
  // As the appliance's server: the cooled-down check ahead of every route.
  const server = http.createServer((req, res) => {
    if (!closeIfCooled(cooldown, req)) app(req, res);
  });
  const port = await listen(server);
  try {
    // Eight connections accepted before any request: the address is not cooled down yet when they are.
    const sockets = await Promise.all(
      Array.from(
        { length: 8 },
        () =>
          new Promise<net.Socket>((resolve) => {
            const s = net.connect(port, '127.0.0.1', () => resolve(s));
          }),
      ),
    );
    const answers: string[] = [];
    for (const s of sockets) answers.push(await askOn(s, port));
    assert.deepEqual(answers.slice(0, 5), Array(5).fill('HTTP/1.1 401 Unauthorized'), 'refused as before');
    assert.deepEqual(answers.slice(5), ['closed', 'closed', 'closed'], 'the address cooled down: closed unanswered');
    assert.equal(told.length, 5, 'the closed ones are not refusals: not counted again');
    assert.ok(cooldown.blocked('127.0.0.1'));
    for (const s of sockets) s.destroy();
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test("a refusal's discard allowance counts from its answer, not from bytes read while it waited", async () => {
  let refused: { req: http.IncomingMessage; drained: number } | undefined;
  const server = http.createServer((req) => {
    const r = { req, drained: 0 };
    // As a refusal waiting for its turn: the body's first bytes are read and held meanwhile.
    const wait = () => {
      if (req.readableLength < 4096) return setImmediate(wait);
      discardBody(req, 1024);
      req.on('data', (c: Buffer) => {
        r.drained += c.length;
      });
      refused = r;
    };
    wait();
  });
  const port = await listen(server);
  const client = net.connect(port, '127.0.0.1');
  client.on('error', () => undefined);
  try {
    client.write('POST /x HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n\r\n');
    client.write(Buffer.alloc(4096));
    await until(() => refused !== undefined && refused.drained >= 4096);
    assert.equal(refused!.req.socket.destroyed, false, 'the bytes held before the answer are not counted');
    client.write(Buffer.alloc(2048));
    await until(() => refused!.req.socket.destroyed);
    assert.ok(refused!.drained > 4096 + 1024, 'cut once past the allowance after the answer');
  } finally {
    client.destroy();
    server.closeAllConnections();
    server.close();
  }
});
