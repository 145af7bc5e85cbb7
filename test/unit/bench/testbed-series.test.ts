import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backWithinSloS, finishOf, moved, perSecond, type Second } from '../../../bench/testbed/series.js';
import { schedule } from '../../../bench/testbed/drive.js';
import type { Placement } from '../../../src/domain/types.js';

const secs = (finish: (number | null)[]): Second[] =>
  finish.map((f, t) => ({
    t,
    sent: f === null ? 0 : 10,
    inTime: f === null ? 0 : f * 10,
    late: 0,
    rateLimited: f === null ? 0 : 10 - f * 10,
    unavailable: 0,
    noAnswer: 0,
    finish: f,
  }));

describe('bench:testbed arithmetic', () => {
  it('cuts frames into seconds of sending time; in time means a 200 within the target', () => {
    const s = perSecond(
      [
        { atMs: 100, status: 200, ms: 50 },
        { atMs: 900, status: 200, ms: 150 }, // late
        { atMs: 1100, status: 429, ms: 1 },
        { atMs: 1500, status: 200, ms: 99 },
        { atMs: 5000, status: 200, ms: 1 }, // past the end
      ],
      100,
      3,
    );
    assert.deepEqual(
      s.map((x) => [x.sent, x.inTime, x.late, x.rateLimited, x.finish]),
      [
        [2, 1, 1, 0, 0.5],
        [2, 1, 0, 1, 0.5],
        [0, 0, 0, 0, null],
      ],
    );
    const f = finishOf(
      [
        { status: 200, ms: 10 },
        { status: 503, ms: 1 },
      ],
      100,
    );
    assert.equal(f.finish, 0.5);
    assert.equal(finishOf([], 100).finish, null);
  });

  it('times the return within SLO from the event to the good run that lasts to the end', () => {
    assert.equal(backWithinSloS(secs([1, 1, 0.5, 0.2, 1, 0.9, 1, 1, 1, 1, 1]), 2), 4);
    assert.equal(backWithinSloS(secs([1, 1, 1, 1, 1, 1, 1, 1]), 2), 0); // never left
    assert.equal(backWithinSloS(secs([1, 1, 0.5, 1, 1, 1, 0.5, 1]), 2), null); // not back for 5 s by the end
    assert.equal(backWithinSloS(secs([1, 0.5, null, 1, 1, 1, 1, 1]), 1), 2); // silent seconds are skipped
  });

  it("says whether a re-plan moved a deployment's replicas", () => {
    const p = (deployment: string, node: string, fps = 1): Placement => ({
      deployment,
      module: 'm',
      node,
      accelerator: 'emu0',
      fps,
    });
    assert.equal(moved([p('a', 'n1'), p('b', 'n2')], [p('a', 'n1', 3), p('b', 'n3')], 'a'), false);
    assert.equal(moved([p('a', 'n1'), p('b', 'n2')], [p('a', 'n1'), p('b', 'n3')], 'b'), true);
  });

  it('steps a camera up mid-run', () => {
    const t = schedule({ deployment: 'd', fps: 2, latencyMs: 100, step: { atS: 2, factor: 2 } }, 3);
    assert.deepEqual(t, [0, 500, 1000, 1500, 2000, 2250, 2500, 2750]);
  });
});
