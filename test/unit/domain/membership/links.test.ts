/** The links between boxes: a probe's figures, and the network the planner uses (configured over measured). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  clusterNetwork,
  DEFAULT_NETWORK,
  linkFromProbe,
  MAX_MEASURED_MBPS,
  MEASURE_AFTER_JOIN_MS,
  REMEASURE_MS,
  unmeasured,
  withLink,
} from '../../../../src/domain/membership/links.js';
import type { Member, MeasuredLink } from '../../../../src/domain/types.js';

const member = (id: string, link?: MeasuredLink, state: Member['state'] = 'alive'): Member => ({
  id,
  address: `${id}:7878`,
  joinedAt: 0,
  lastSeen: 0,
  state,
  ...(link ? { link } : {}),
});
const link = (by: string, bandwidthMbps: number, rttMs: number): MeasuredLink => ({ by, at: 1, bandwidthMbps, rttMs });

describe('a link from a probe', () => {
  it('RTT is the fastest ping; bandwidth is the payload over its time past one round trip', () => {
    // 256 KiB in 2.1 ms + a 0.4 ms round trip: 2 097 152 bits / 2.1 ms ≈ 998.6 Mbit/s.
    const l = linkFromProbe({ pingsMs: [0.9, 0.4, 0.6], bytes: 256 * 1024, payloadMs: 2.5 });
    assert.equal(l.rttMs, 0.4);
    assert.ok(Math.abs(l.bandwidthMbps - (256 * 1024 * 8) / 2100) < 0.01, String(l.bandwidthMbps));
  });

  it('a payload no slower than a ping reads as the cap, never infinite or negative', () => {
    assert.equal(linkFromProbe({ pingsMs: [1], bytes: 1000, payloadMs: 0.5 }).bandwidthMbps, MAX_MEASURED_MBPS);
    assert.throws(() => linkFromProbe({ pingsMs: [], bytes: 1, payloadMs: 1 }), RangeError);
  });
});

describe('the network the planner uses', () => {
  const members = [member('l'), member('a', link('l', 100, 4)), member('b', link('l', 400, 1)), member('c')];

  it('a pair one box measured from the other: exactly that link', () => {
    const { links } = clusterNetwork(['l', 'a'], members);
    assert.deepEqual(links, [{ a: 'l', b: 'a', bandwidthMbps: 100, rttMs: 4 }]);
  });

  it('two boxes measured by a third: the slower bandwidth and the longer RTT of the two', () => {
    const { links } = clusterNetwork(['a', 'b'], members);
    assert.deepEqual(links, [{ a: 'a', b: 'b', bandwidthMbps: 100, rttMs: 4 }]);
  });

  it('nothing measured: the default network, no per-pair entry', () => {
    const n = clusterNetwork(['l', 'c'], members);
    assert.deepEqual(n, { network: DEFAULT_NETWORK, links: [] });
  });

  it('the config wins: `links` for a pair (either way round), `network` for the default', () => {
    const n = clusterNetwork(['l', 'a', 'c'], members, {
      network: { rttMs: 3 },
      links: [{ a: 'a', b: 'l', bandwidthMbps: 10_000, rttMs: 0.1 }],
    });
    assert.deepEqual(n.network, { bandwidthMbps: DEFAULT_NETWORK.bandwidthMbps, rttMs: 3 });
    assert.deepEqual(n.links, [
      { a: 'l', b: 'a', bandwidthMbps: 10_000, rttMs: 0.1 },
      { a: 'a', b: 'c', bandwidthMbps: 100, rttMs: 4 },
    ]);
  });

  it('the leader measures alive members 5 s after they joined, again every 10 minutes, keeping the best', () => {
    const list = [...members, member('d', undefined, 'suspect'), { ...member('e'), joinedAt: 10_000 }];
    const ids = (now: number) => unmeasured(list, 'l', now).map((m) => m.id);
    assert.deepEqual(ids(10_000 + MEASURE_AFTER_JOIN_MS - 1), ['c'], 'e joined too recently; d is suspect');
    assert.deepEqual(ids(10_000 + MEASURE_AFTER_JOIN_MS), ['c', 'e']);
    assert.deepEqual(ids(1 + REMEASURE_MS), ['a', 'b', 'c', 'e'], 'links measured at 1 are measured again');
    const after = withLink(list, 'c', link('l', 900, 0.3));
    assert.deepEqual(after.find((m) => m.id === 'c')!.link, link('l', 900, 0.3));
    const again = withLink(after, 'c', { ...link('l', 300, 0.2), at: 7 });
    assert.deepEqual(again.find((m) => m.id === 'c')!.link, { ...link('l', 900, 0.2), at: 7 }, 'the best figures');
    const otherLeader = withLink(after, 'c', link('x', 300, 2));
    assert.deepEqual(otherLeader.find((m) => m.id === 'c')!.link, link('x', 300, 2), 'measured by another box: new');
    assert.deepEqual(withLink(list, 'gone', link('l', 1, 1)), list, 'a member that left: nothing changes');
  });
});
