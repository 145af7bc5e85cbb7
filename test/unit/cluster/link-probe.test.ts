/** The link probe over the peer API: a few pings and one fixed-size payload, answered by the member asked. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  linkProbeHandlers,
  measureLink,
  PROBE_BYTES,
  PROBE_PAYLOADS,
  PROBE_PINGS,
} from '../../../src/cluster/link-probe.js';
import type { PeerCaller } from '../../../src/cluster/peer-client.js';

const handlers = linkProbeHandlers();
const peers = (nodeId: string, calls: string[]): PeerCaller => ({
  call: async (address, method, path) => {
    calls.push(`${method} ${address}${path}`);
    const reply = await handlers[`${method} ${path.replace('/v1/peer', '')}`]!({} as never);
    return { status: reply.status, nodeId, body: reply.body } as never;
  },
});

test('PROBE_PINGS pings and PROBE_PAYLOADS payloads of PROBE_BYTES: a quarter of a megabyte', async () => {
  const calls: string[] = [];
  const l = await measureLink(peers('n2', calls), 'n2', 'n2:7878');
  assert.deepEqual(calls, [
    ...Array.from({ length: PROBE_PINGS }, () => 'GET n2:7878/v1/peer/ping'),
    ...Array.from({ length: PROBE_PAYLOADS }, () => 'GET n2:7878/v1/peer/probe'),
  ]);
  assert.ok(l.rttMs > 0 && l.bandwidthMbps > 0, JSON.stringify(l));
  const body = (await handlers['GET /probe']!({} as never)).body as { pad: string };
  assert.equal(body.pad.length, PROBE_BYTES);
  assert.ok(PROBE_BYTES * PROBE_PAYLOADS <= 256 * 1024, 'a quarter of a megabyte in all');
});

test('an answer signed by another box is no measurement of this one', async () => {
  await assert.rejects(measureLink(peers('n9', []), 'n2', 'n2:7878'), /answered as n9, not n2/);
});
