/**
 * DeadlineTimer: calls under one timer each expire at their own deadline (an
 * earlier one added later included), a call removed before its deadline never
 * expires (also when removed by another's expire()), and close() stops the rest.
 * The calls are held in an array by slot (not a Set: issue #10), so removals
 * in any order and during another call's expire() are covered here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeadlineTimer, type Expiring } from '../../../src/router/deadline-timer.js';

const call = (dueInMs: number, expired: string[], name: string) => {
  let done!: () => void;
  const gone = new Promise<void>((r) => (done = r));
  const c: Expiring & { gone: Promise<void>; at?: number } = {
    due: performance.now() + dueInMs,
    expire() {
      c.at = performance.now();
      expired.push(name);
      done();
    },
    gone,
  };
  return c;
};

describe('DeadlineTimer', () => {
  // Its timer is unref'd (in the router a call's socket keeps the process alive): a test keeps the loop alive itself.
  let keepAlive: ReturnType<typeof setInterval>;
  before(() => {
    keepAlive = setInterval(() => {}, 1000);
  });
  after(() => clearInterval(keepAlive));

  it('expires each call at its own deadline, an earlier one added after a later one first', async () => {
    const t = new DeadlineTimer();
    const expired: string[] = [];
    const late = call(60, expired, 'late');
    const early = call(15, expired, 'early');
    t.add(late);
    t.add(early);
    await early.gone;
    assert.deepEqual(expired, ['early']);
    assert.ok(early.at! >= early.due - 1, `expired ${early.due - early.at!} ms before its deadline`);
    assert.ok(early.at! < late.due, 'long before the later deadline');
    await late.gone;
    assert.deepEqual(expired, ['early', 'late']);
    assert.ok(late.at! >= late.due - 1);
    assert.equal(t.size, 0);
  });

  it('a call removed before its deadline never expires; the others still do', async () => {
    const t = new DeadlineTimer();
    const expired: string[] = [];
    const answered = call(10, expired, 'answered');
    const after = call(30, expired, 'after');
    t.add(answered);
    t.add(after);
    t.remove(answered);
    await after.gone;
    assert.deepEqual(expired, ['after']);
  });

  it('close() stops the timer: nothing pending expires', async () => {
    const t = new DeadlineTimer();
    const expired: string[] = [];
    t.add(call(5, expired, 'a'));
    t.close();
    const later = new DeadlineTimer();
    const witness = call(25, [], 'witness');
    later.add(witness);
    await witness.gone;
    assert.deepEqual(expired, []);
    assert.equal(t.size, 0);
  });

  it("a call removed by an earlier one's expire() does not expire; one added twice is held once", async () => {
    const t = new DeadlineTimer();
    const expired: string[] = [];
    const second = call(5, expired, 'second');
    const first = call(5, expired, 'first');
    const witness = call(30, expired, 'witness');
    const expireFirst = first.expire.bind(first);
    first.expire = () => {
      expireFirst();
      t.remove(second);
    };
    t.add(first);
    t.add(first);
    t.add(second);
    t.add(witness);
    assert.equal(t.size, 3);
    await witness.gone;
    assert.deepEqual(expired, ['first', 'witness']);
    assert.equal(t.size, 0);
  });

  it('removal in any order keeps the others: each still expires, none twice, none removed', async () => {
    const t = new DeadlineTimer();
    const expired: string[] = [];
    const calls = ['a', 'b', 'c', 'd', 'e', 'f'].map((n, i) => call(5 + 5 * i, expired, n));
    for (const c of calls) t.add(c);
    // 'f' takes the slot of 'a', then leaves itself; 'd' leaves twice.
    for (const i of [0, 5, 3, 3]) t.remove(calls[i]!);
    assert.equal(t.size, 3);
    const witness = call(40, expired, 'witness');
    t.add(witness);
    await witness.gone;
    assert.deepEqual(expired, ['b', 'c', 'e', 'witness']);
    assert.equal(t.size, 0);
  });
});
