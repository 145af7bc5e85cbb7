/**
 * Stream requests are answered at most a turn budget's worth per turn of the
 * loop: a flood's requests arrive by the hundred in one poll, and answering
 * them all there and then stalled the loop (and `/healthz`). The caps hold
 * across turns, and a request whose client left while it waited is dropped.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test } from 'node:test';
import type { ApiDeps } from '../../../src/api/deps.js';
import { eventRoutes } from '../../../src/api/routes/events.js';
import { EventBus } from '../../../src/events/event-bus.js';
import { RefusalCooldown } from '../../../src/http/refusal-cooldown.js';
import { TURN_BUDGET, turnBudget } from '../../../src/http/turn-budget.js';

/** A stream request as node hands it over: request and response on one socket that records what it is sent. */
function request(address: string) {
  const socket = {
    remoteAddress: address,
    destroyed: false,
    sent: [] as string[],
    end(bytes: Buffer, done: () => void) {
      socket.sent.push(String(bytes).split('\r\n')[0]!);
      done();
    },
    destroy() {
      socket.destroyed = true;
    },
  };
  // The stream's 'close' listeners (they stop its keep-alive timer): `close()` runs them, as a closed socket would.
  const closers: (() => void)[] = [];
  const on = (event: string, f: () => void) => (event === 'close' ? closers.push(f) : undefined);
  const close = () => {
    socket.destroyed = true;
    for (const f of closers.splice(0)) f();
  };
  const req = { method: 'GET', url: '/v1/events', headers: {}, socket, on };
  const res = {
    socket,
    headersSent: false,
    writeHead(status: number) {
      socket.sent.push(`HTTP/1.1 ${status}`);
      res.headersSent = true;
    },
    write: () => true,
    on,
  };
  return { req: req as unknown as IncomingMessage, res: res as unknown as ServerResponse, socket, close };
}

const nextTurn = () => new Promise((r) => setImmediate(r));

test('a burst of stream requests in one turn: a budget of them answered in it, the rest in later turns', async () => {
  const open = new Set<ServerResponse>();
  const deps = { nodeId: 'n1', events: new EventBus(Date.now), eventStreams: { total: 3, perClient: 100 } };
  const routes = eventRoutes(deps as unknown as ApiDeps, open);
  const burst = Array.from({ length: 2 * TURN_BUDGET + 5 }, (_, i) => request(`10.0.0.${i}`));
  for (const r of burst) assert.equal(routes.serveEarly(r.req, r.res), true, 'taken by the early handler');
  const answered = () => burst.filter((r) => r.socket.sent.length > 0).length;
  assert.equal(answered(), TURN_BUDGET, 'no more than the budget answered in the turn they came in');
  await nextTurn();
  assert.equal(answered(), 2 * TURN_BUDGET);
  await nextTurn();
  assert.equal(answered(), burst.length);
  const statuses = burst.map((r) => r.socket.sent[0]);
  assert.deepEqual(statuses.slice(0, 3), ['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 200'], 'the first three streamed');
  assert.ok(
    statuses.slice(3).every((s) => s === 'HTTP/1.1 503 Service Unavailable'),
    'the cap in all holds across turns',
  );
  assert.equal(open.size, 3);
  for (const r of burst) r.close();
  assert.equal(open.size, 0);
});

test('a request whose client left while it waited is not answered and holds no stream', async () => {
  const open = new Set<ServerResponse>();
  const deps = { nodeId: 'n1', events: new EventBus(Date.now), eventStreams: { total: 1000, perClient: 1000 } };
  const routes = eventRoutes(deps as unknown as ApiDeps, open);
  const burst = Array.from({ length: TURN_BUDGET + 1 }, () => request('10.0.1.1'));
  for (const r of burst) routes.serveEarly(r.req, r.res);
  const last = burst.at(-1)!;
  assert.deepEqual(last.socket.sent, [], 'the one past the budget waits');
  last.socket.destroyed = true;
  await nextTurn();
  assert.deepEqual(last.socket.sent, [], 'dropped: its client is gone');
  assert.equal(open.size, TURN_BUDGET, 'only the streams of clients still there');
  assert.equal(deps.events.listenerCount, TURN_BUDGET);
  for (const r of burst) r.close();
  assert.equal(open.size, 0);
});

test('stream requests waiting while their address cooled down are closed unanswered', async () => {
  const open = new Set<ServerResponse>();
  const cooldown = new RefusalCooldown(Date.now, { refusals: 5 });
  const deps = {
    nodeId: 'n1',
    events: new EventBus(Date.now),
    eventStreams: { total: 1000, perClient: 1 },
    cooldown,
    turnBudget: turnBudget(),
  };
  const routes = eventRoutes(deps as unknown as ApiDeps, open);
  const burst = Array.from({ length: TURN_BUDGET }, () => request('10.0.2.1'));
  for (const r of burst) routes.serveEarly(r.req, r.res);
  const statuses = burst.map((r) => r.socket.sent[0] ?? (r.socket.destroyed ? 'closed' : 'waiting'));
  assert.equal(statuses[0], 'HTTP/1.1 200', 'its one stream');
  assert.deepEqual(statuses.slice(1, 6), Array(5).fill('HTTP/1.1 503 Service Unavailable'), 'refused as before');
  assert.deepEqual(statuses.slice(6), Array(TURN_BUDGET - 6).fill('closed'), 'cooled down: closed unanswered');
  for (const r of burst) r.close();
  assert.equal(open.size, 0);
});
