import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SmoothWeightedRoundRobin } from '../../../../src/domain/routing/weighted-round-robin.js';

const picks = (rr: SmoothWeightedRoundRobin, n: number, skip = -1) => Array.from({ length: n }, () => rr.pick(skip));
const names = (idx: number[], letters = 'abcdef') => idx.map((i) => (i < 0 ? '-' : letters[i])).join('');

describe('smooth weighted round-robin', () => {
  it('interleaves 5:1:1 exactly as nginx does: a a b a c a a, cycle after cycle', () => {
    const rr = new SmoothWeightedRoundRobin([5, 1, 1]);
    assert.equal(names(picks(rr, 7)), 'aabacaa');
    assert.equal(names(picks(rr, 7)), 'aabacaa');
  });

  it('follows planned fps shares: 6 and 4 fps give 3:2 over every 5 picks', () => {
    const seq = picks(new SmoothWeightedRoundRobin([6, 4]), 10);
    assert.equal(names(seq), 'ababaababa');
    assert.equal(seq.filter((i) => i === 0).length, 6);
  });

  it('takes fractional weights (fps such as 2.5) and equal weights in turn', () => {
    assert.equal(names(picks(new SmoothWeightedRoundRobin([2.5, 2.5, 5]), 4)), 'cabc');
    assert.equal(names(picks(new SmoothWeightedRoundRobin([1, 1, 1]), 6)), 'abcabc');
  });

  it('never picks weight 0, answers -1 with nothing to pick, and skips a failed peer for one pick', () => {
    assert.equal(names(picks(new SmoothWeightedRoundRobin([0, 3]), 3)), 'bbb');
    assert.equal(new SmoothWeightedRoundRobin([]).pick(), -1);
    assert.equal(new SmoothWeightedRoundRobin([0, 0]).pick(), -1);
    const one = new SmoothWeightedRoundRobin([4]);
    assert.equal(one.pick(0), -1, 'the only peer skipped: none left');
    const rr = new SmoothWeightedRoundRobin([1, 1]);
    assert.equal(rr.pick(), 0);
    assert.equal(rr.pick(1), 0, 'b is skipped, so a again');
  });

  it('over many picks each peer gets its share to within one pick', () => {
    const w = [7, 3, 11, 1];
    const rr = new SmoothWeightedRoundRobin(w);
    const n = 2200;
    const got = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) got[rr.pick()]!++;
    const total = w.reduce((a, b) => a + b, 0);
    w.forEach((x, i) => assert.ok(Math.abs(got[i]! - (n * x) / total) <= 1, `peer ${i}: ${got[i]}`));
  });
});
