/** rim load's pure parts: the open-loop schedule, the summary of answers, and the player's stop on a gone box. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { percentile, summarise } from '../../../../src/cli/load/load-summary.js';
import { BoxGoneError, play } from '../../../../src/cli/load/play.js';
import { sendTimes } from '../../../../src/cli/load/schedule.js';

test('steady: one frame every 1000/fps ms, fps × duration frames', () => {
  assert.deepEqual(sendTimes(4, 1), [0, 250, 500, 750]);
  assert.equal(sendTimes(10, 3).length, 30);
  assert.deepEqual(sendTimes(0.5, 4), [0, 2000]);
});

test("burst: each second's frames together at the start of the second", () => {
  assert.deepEqual(sendTimes(3, 2, true), [0, 0, 0, 1000, 1000, 1000]);
  assert.equal(sendTimes(2.5, 2, true).length, 5);
});

test('nearest-rank percentiles', () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(xs, 0.5), 50);
  assert.equal(percentile(xs, 0.99), 99);
  assert.equal(percentile([7], 0.99), 7);
  assert.equal(percentile([], 0.5), null);
});

test('the summary counts in time, late, 429, 503, other and no answer; percentiles only of 200s', () => {
  const s = summarise(
    [
      { status: 200, ms: 10 },
      { status: 200, ms: 20 },
      { status: 200, ms: 150 },
      { status: 429, ms: 1 },
      { status: 503, ms: 2 },
      { status: 400, ms: 3 },
      { status: 0, ms: 5000 },
    ],
    100,
  );
  assert.deepEqual(
    { ...s, latencyMs: undefined },
    { sent: 7, inTime: 2, late: 1, rateLimited: 1, unavailable: 1, other: 1, noAnswer: 1, latencyMs: undefined },
  );
  assert.deepEqual(s.latencyMs, { p50: 20, p95: 150, p99: 150 });
});

test('open loop: frames leave on schedule without waiting for answers; a gone box stops the run', async () => {
  let t = 0;
  const sentAt: number[] = [];
  const answers: Array<() => void> = [];
  const deps = {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
  };
  const slow = play([0, 100, 200], {
    ...deps,
    send: () => {
      sentAt.push(t);
      return new Promise((r) => answers.push(() => r({ status: 200, ms: 1 })));
    },
  });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(sentAt, [0, 100, 200], 'all three sent before any answer');
  for (const a of answers) a();
  assert.equal((await slow).results.length, 3);

  let n = 0;
  const gone = await play([0, 100, 200, 300, 400], {
    ...deps,
    send: async () => {
      if (++n > 2) throw new BoxGoneError('the appliance at http://x stopped answering (ECONNREFUSED)');
      return { status: 200, ms: 1 };
    },
  });
  assert.match(gone.stopped!, /stopped answering/);
  assert.equal(n, 3, 'nothing sent after the box was found gone');
  assert.deepEqual(
    gone.results.map((r) => r.status),
    [200, 200, 0],
  );
});
