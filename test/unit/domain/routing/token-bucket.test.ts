import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBucket } from '../../../../src/domain/routing/token-bucket.js';

describe('token bucket (admission at the admitted fps)', () => {
  it('starts full with the burst, then refuses and says when the next token comes', () => {
    const b = TokenBucket.forFps(10); // burst 5
    assert.equal(b.burst, 5);
    for (let i = 0; i < 5; i++) assert.deepEqual(b.take(1000), { ok: true }, `burst frame ${i}`);
    const refused = b.take(1000);
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.retryAfterMs, 100, 'one token at 10/s takes 100 ms');
  });

  it('refills at the rate with time passed in, never above the burst', () => {
    const b = new TokenBucket(4, 2);
    assert.ok(b.take(0).ok);
    assert.ok(b.take(0).ok);
    assert.equal(b.available(0), 0);
    assert.equal(b.available(125), 0.5);
    const r = b.take(125);
    assert.equal(!r.ok && r.retryAfterMs, 125, 'half a token missing at 4/s: 125 ms');
    assert.ok(b.take(250).ok, 'a full token after 250 ms');
    assert.equal(b.available(10_000), 2, 'capped at the burst after a long pause');
  });

  it('admits exactly rate × time + burst frames over a steady overload', () => {
    const b = TokenBucket.forFps(16); // burst 8
    let admitted = 0;
    // 32 fps offered for 10 s (steps exact in binary)
    for (let t = 0; t <= 10_000; t += 31.25) if (b.take(t).ok) admitted++;
    assert.equal(admitted, 16 * 10 + 8);
  });

  it('a burst of at least one frame for slow deployments, and no tokens from a clock that steps back', () => {
    const slow = TokenBucket.forFps(0.5);
    assert.equal(slow.burst, 1);
    assert.ok(slow.take(5000).ok);
    const r = slow.take(5000);
    assert.equal(!r.ok && r.retryAfterMs, 2000);
    assert.equal(slow.take(1000).ok, false, 'earlier time: nothing minted');
    assert.equal(slow.available(6000), 0.5, 'refill counts from the latest time seen');
    assert.throws(() => new TokenBucket(0, 1), RangeError);
  });
});
