/**
 * The cluster's measurements of a deployment: this box's window and those the
 * alive members answer on the peer API, merged, per replica too (served fps
 * add, busy fractions add up to 1); a member whose answer does not parse is
 * left out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PeerCaller } from '../../../src/cluster/peer-client.js';
import { emptyCounts, type StatsWindow } from '../../../src/domain/routing/stats-window.js';
import type { Member } from '../../../src/domain/types.js';
import { ClusterMeasurements } from '../../../src/router/cluster-measurements.js';

const R = 'rim-n1-a-det-default-cpu';
const win = (ok: number, servedFps: number, busy: number): StatsWindow => ({
  counts: { ...emptyCounts(), ok },
  offeredFps: servedFps,
  finishedFps: servedFps,
  latencies: [10],
  replicas: { [R]: { node: 'n1', module: 'det', servedFps, busy } },
});
const member = (id: string): Member => ({ id, address: `${id}:7878`, joinedAt: 0, lastSeen: 0, state: 'alive' });

test('two boxes merge: frames add, per replica served fps add and busy fractions add up to 1', async () => {
  const answers: Record<string, unknown> = {
    'n2:7878': { deployments: { cam: win(30, 3, 0.5) } },
    'n3:7878': { deployments: { cam: { ...win(1, 1, 0.9), replicas: { [R]: { busy: 'much' } } } } },
  };
  const peers: PeerCaller = {
    call: async (address: string) => ({ status: 200, nodeId: address.split(':')[0]!, body: answers[address] }),
  } as PeerCaller;
  const m = new ClusterMeasurements({
    self: 'n1',
    members: () => [member('n1'), member('n2'), member('n3')],
    local: { windows: () => ({ cam: win(50, 5, 0.7) }) },
    peers,
  });
  const v = (await m.measured([{ name: 'cam', fps: 10, latencyMs: 100 }])).get('cam')!;
  assert.equal(v.boxes, 2, 'the member whose answer does not parse is left out');
  assert.equal(v.frames!.ok, 80);
  assert.deepEqual(v.replicas, [{ replica: R, node: 'n1', module: 'det', servedFps: 8, busy: 1 }]);
});
