/**
 * The turn budget: at most `perTurn` tasks from one check phase to the next,
 * the rest in arrival order a batch per turn, nothing scheduled at idle.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { turnBudget } from '../../../src/http/turn-budget.js';

/** A stand-in for setImmediate: the test runs the check phase by hand. */
function checkPhase() {
  let pending: (() => void)[] = [];
  return {
    later: (f: () => void) => pending.push(f),
    get scheduled() {
      return pending.length;
    },
    run() {
      const now = pending;
      pending = [];
      for (const f of now) f();
    },
  };
}

test('40 tasks in one turn, 16 a turn: 16 now, then 16 and 8 in the next two turns, in arrival order', () => {
  const check = checkPhase();
  const budget = turnBudget(16, check.later);
  const ran: number[] = [];
  for (let i = 0; i < 40; i++) budget.run(() => ran.push(i));
  assert.deepEqual(ran, [...Array(16).keys()], 'the first 16 at once');
  assert.equal(budget.waiting, 24);
  check.run();
  assert.equal(ran.length, 32, 'one more batch in the next turn');
  check.run();
  assert.deepEqual(ran, [...Array(40).keys()], 'all of them, in the order they came');
  assert.equal(budget.waiting, 0);
});

test('a task that comes while others wait queues behind them, even with budget left in its turn', () => {
  const check = checkPhase();
  const budget = turnBudget(2, check.later);
  const ran: string[] = [];
  for (const t of ['a', 'b', 'c', 'd', 'e']) budget.run(() => ran.push(t));
  check.run(); // c, d
  budget.run(() => ran.push('f'));
  assert.deepEqual(ran, ['a', 'b', 'c', 'd'], 'f waits behind e');
  check.run();
  assert.deepEqual(ran, ['a', 'b', 'c', 'd', 'e', 'f']);
});

test('the count starts afresh each turn, and nothing stays scheduled once nothing waits or ran', () => {
  const check = checkPhase();
  const budget = turnBudget(2, check.later);
  let n = 0;
  budget.run(() => n++);
  budget.run(() => n++);
  check.run();
  budget.run(() => n++);
  budget.run(() => n++);
  assert.equal(n, 4, 'a new turn, a new budget');
  check.run();
  check.run();
  assert.equal(check.scheduled, 0, 'idle: no check-phase callback left');
});

test('a task that throws does not strand the ones behind it', () => {
  const check = checkPhase();
  const budget = turnBudget(1, check.later);
  const ran: string[] = [];
  budget.run(() => ran.push('a'));
  budget.run(() => {
    throw new Error('boom');
  });
  budget.run(() => ran.push('c'));
  assert.throws(() => check.run(), /boom/);
  check.run();
  assert.deepEqual(ran, ['a', 'c']);
});
