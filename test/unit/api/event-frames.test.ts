/**
 * Every open event stream gets each event as `event: <type>` and a JSON
 * `data` line, and the event is written out once for all of them (a flood
 * of open streams must not multiply the work of each event).
 */
import assert from 'node:assert/strict';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { ApiDeps } from '../../../src/api/deps.js';
import { eventRoutes } from '../../../src/api/routes/events.js';
import { EventBus } from '../../../src/events/event-bus.js';

test('three streams, one event: the same frame on each, serialised once', async () => {
  const bus = new EventBus(() => 42);
  const routes = eventRoutes({ nodeId: 'n1', events: bus } as unknown as ApiDeps, new Set<ServerResponse>());
  const server = http.createServer((req, res) => {
    if (!routes.serveEarly(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const texts = ['', '', ''];
  const reqs = texts.map((_, i) =>
    http.get({ host: '127.0.0.1', port, path: '/v1/events', agent: false }, (res) =>
      res.on('data', (c: Buffer) => (texts[i] += c.toString())),
    ),
  );
  try {
    while (bus.listenerCount < 3) await new Promise((r) => setTimeout(r, 5));
    let serialised = 0;
    bus.publish('app', 'registered', {
      toJSON() {
        serialised++;
        return { name: 'a' };
      },
    });
    const frame = 'event: app\ndata: {"type":"app","action":"registered","data":{"name":"a"},"at":42}\n\n';
    while (!texts.every((t) => t.includes(frame))) await new Promise((r) => setTimeout(r, 5));
    for (const t of texts) assert.ok(t.startsWith(': rim events from n1\nretry: 2000\n\n'), t);
    assert.equal(serialised, 1, 'serialised once for the three streams');
  } finally {
    for (const r of reqs) r.destroy();
    server.closeAllConnections();
    server.close();
  }
});
