/** A box's share of a deployment's cluster-wide admitted rate, from where its frames arrive. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admissionShare, ARRIVAL_SLACK, FLOOR_PART } from '../../../../src/domain/routing/admission-share.js';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

/** Every box's share, each computed from its own point of view. */
const shares = (fps: number, arrivals: number[]) =>
  arrivals.map((own, i) => admissionShare({ fps, own, others: arrivals.filter((_, j) => j !== i) }));

describe('admission shares', () => {
  it('a box on its own admits the full rate', () => {
    assert.equal(admissionShare({ fps: 10, own: 50, others: [] }), 10);
  });

  it('over the rate, the busy boxes share the rate by arrivals; an idle box holds only its floor', () => {
    const s = shares(12, [30, 10, 0]);
    close(s[0]! + s[1]!, 12, 'the busy boxes add up to the rate');
    const floor = (FLOOR_PART * 12) / 3;
    close(s[2]!, floor, 'a box with no frames keeps the floor (for a stream that starts there)');
    close(s[0]! - floor, 3 * (s[1]! - floor), 'proportional to arrivals above the floor');
  });

  it('a camera at its admitted rate into one box keeps its rate when measured a hair above it', () => {
    for (const over of [1.001, 1.005, 1.01]) {
      const s = admissionShare({ fps: 4, own: 4 * over, others: [0, 0] });
      assert.ok(s >= 0.99 * 4, `share ${s} at ${over}× the rate`);
      const idle = admissionShare({ fps: 4, own: 0, others: [4 * over, 0] });
      assert.ok(idle <= (0.1 * 4) / 3, `an idle box keeps at most its floor (${idle})`);
      assert.ok(s <= 4 + 1e-9, `never over the rate where frames arrive (${s})`);
    }
  });

  it('a stream over the rate at one box only: that box admits the full rate (no floor kept for idle boxes)', () => {
    close(admissionShare({ fps: 5, own: 5.2, others: [0, 0] }), 5, 'the whole rate');
  });

  it('equal arrivals over the rate: equal shares', () => {
    for (const s of shares(4, [8 / 3, 8 / 3, 8 / 3])) close(s, 4 / 3, 'share');
  });

  it('within the rate, each box gets what arrives there (margin), idle boxes a floor, the rest by arrivals', () => {
    const s = shares(10, [4, 2, 0]);
    const floor = (FLOOR_PART * 10) / 3;
    const rest = 10 - 6 - floor;
    close(s[0]!, 4 * (1 + ARRIVAL_SLACK) + (rest * 4) / 6, 'busy box');
    close(s[1]!, 2 * (1 + ARRIVAL_SLACK) + (rest * 2) / 6, 'the other busy box');
    close(
      s[0]! + s[1]!,
      10 - floor + ARRIVAL_SLACK * 6,
      'the busy boxes: the rate less the idle floor, plus the margin on what arrives (admitting it needs no more)',
    );
  });

  it('a stream read well under the rate at one box (resuming after a pause): the box keeps about its rate', () => {
    // Read at a third of its rate (2 s of a 3 s window silent): the idle boxes keep their floors, not a third each.
    const s = admissionShare({ fps: 6, own: 2, others: [0, 0] });
    close(s, 2 * (1 + ARRIVAL_SLACK) + 6 - 2 - (2 * FLOOR_PART * 6) / 3, 'own, and the rest less the idle floors');
    assert.ok(s >= 0.95 * 6, `share ${s}`);
  });

  it('a stream read a little under the rate at one box: the box still admits the rate', () => {
    assert.ok(admissionShare({ fps: 5, own: 4.7, others: [0, 0] }) >= 5 - 1e-9);
  });

  it('no frames anywhere: the rate split evenly', () => {
    for (const s of shares(9, [0, 0, 0])) close(s, 3, 'share');
  });

  it('a box not heard from counts as receiving what this box receives: no box starts at the full rate', () => {
    close(admissionShare({ fps: 6, own: 6, others: [undefined, undefined] }), 2, 'first share');
    assert.ok(admissionShare({ fps: 6, own: 1, others: [undefined, undefined] }) < 6);
  });

  it('over the rate, the busy boxes add up to the rate whatever the arrivals (randomised, seeded)', () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let k = 0; k < 500; k++) {
      const n = 2 + Math.floor(rnd() * 4);
      const fps = 1 + rnd() * 50;
      const arrivals = Array.from({ length: n }, () => (rnd() < 0.2 ? 0 : rnd() * 40));
      const s = shares(fps, arrivals);
      const sum = arrivals.reduce((a, b) => a + b, 0);
      const busy = s.filter((_, i) => arrivals[i]! > 0).reduce((a, b) => a + b, 0);
      if (sum > fps) close(busy, fps, `busy boxes' total (seed 7, case ${k})`);
      else assert.ok(busy <= fps + ARRIVAL_SLACK * sum + 1e-9, `within the rate: ${busy} (case ${k})`);
      assert.ok(
        s.every((x) => x > 0),
        'every box keeps a positive share',
      );
    }
  });
});
