/** This box's admitted rate as its share of the cluster's, and a token bucket that follows a moving share. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBucket } from '../../../src/domain/routing/token-bucket.js';
import type { Member } from '../../../src/domain/types.js';
import { ClusterAdmission } from '../../../src/router/cluster-admission.js';

const member = (id: string, state: Member['state'] = 'alive'): Member => ({
  id,
  address: `${id}:7878`,
  joinedAt: 0,
  lastSeen: 0,
  state,
});

describe('cluster admission', () => {
  it('shares the rate with the alive members by their reported arrivals; suspect ones do not count', () => {
    const members = [member('n1'), member('n2'), member('n3', 'suspect')];
    const reports: Record<string, number | undefined> = { n2: 30 };
    let own = 10;
    const a = new ClusterAdmission({
      self: 'n1',
      members: () => members,
      reported: (m) => reports[m],
      own: () => own,
      recomputeMs: 500,
    });
    const floor = (0.1 * 8) / 2;
    const first = a.rateOf('cam', 8, 0);
    assert.ok(Math.abs(first - (floor + ((8 - 2 * floor) * 10) / 40)) < 1e-9);
    reports.n2 = 0;
    own = 2;
    assert.equal(a.rateOf('cam', 8, 100), first, 'kept for recomputeMs');
    assert.equal(a.rateOf('cam', 8, 600), 2 + 6 / 2, 'recomputed: within the rate, own arrivals plus half the rest');
  });

  it('a box on its own admits the full rate', () => {
    const a = new ClusterAdmission({
      self: 'n1',
      members: () => [member('n1')],
      reported: () => undefined,
      own: () => 99,
    });
    assert.equal(a.rateOf('cam', 5, 0), 5);
  });
});

describe('token bucket retune', () => {
  it('keeps the tokens earned, never mints a fresh burst', () => {
    const b = TokenBucket.forFps(10);
    for (let i = 0; i < 5; i++) assert.ok(b.take(0).ok);
    assert.equal(b.take(0).ok, false);
    b.retune(20, 0);
    assert.equal(b.take(0).ok, false, 'a retune gives no tokens');
    assert.ok(b.take(50).ok, 'refills at the new rate: 20 fps = one per 50 ms');
    b.retune(2, 50);
    assert.equal(b.burst, 1);
    assert.ok(b.available(50) <= 1);
  });
});
