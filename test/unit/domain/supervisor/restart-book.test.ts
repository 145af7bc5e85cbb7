import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  backoffMs,
  bookAfter,
  emptyRestartBook,
  isCrashLooping,
  nextStartAt,
  noteStart,
  observe,
  type RestartBook,
} from '../../../../src/domain/supervisor/restart-book.js';
import type { ObservedReplica } from '../../../../src/domain/types.js';

const o = (over: Partial<ObservedReplica>): ObservedReplica => ({
  containerId: 'c1',
  name: 'r',
  node: 'n',
  app: 'a',
  module: 'm',
  variant: 'default',
  specHash: 'h',
  role: 'replica',
  port: 1,
  status: 'exited',
  ...over,
});

test('backoff: 100 ms after the first crash, doubling, capped at 30 s', () => {
  let book: RestartBook = noteStart(emptyRestartBook, 'r', 0); // the first start after create
  const delays: number[] = [];
  for (let i = 0; i < 12; i++) {
    delays.push(backoffMs(book.r));
    book = noteStart(book, 'r', i);
  }
  assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000, 30000]);
});

test('the next start counts from the later of the exit and the last start', () => {
  const book = noteStart(noteStart(emptyRestartBook, 'r', 1000), 'r', 5000); // one restart so far: 200 ms
  assert.equal(nextStartAt(book.r, { finishedAt: 6000 }), 6200);
  assert.equal(nextStartAt(book.r, { finishedAt: 4000 }), 5200);
  assert.equal(nextStartAt(undefined, { finishedAt: 4000 }), 4100);
});

test('crash-loop after 5 restarts without a healthy minute; a healthy minute resets the backoff', () => {
  let book: RestartBook = emptyRestartBook;
  for (let i = 0; i <= 5; i++) book = noteStart(book, 'r', i * 100);
  assert.equal(isCrashLooping(book.r), true);
  assert.equal(backoffMs(book.r), 3200);
  // Running, but not for a minute yet: no reset.
  book = observe(book, [o({ status: 'running', startedAt: 500 })], 59_000);
  assert.equal(isCrashLooping(book.r), true);
  book = observe(book, [o({ status: 'running', startedAt: 500 })], 60_500);
  assert.equal(isCrashLooping(book.r), false);
  assert.equal(backoffMs(book.r), 100);
});

test('observe forgets replicas Docker no longer shows; bookAfter counts starts and forgets removals', () => {
  let book = bookAfter(emptyRestartBook, { kind: 'start', name: 'r' }, 10);
  book = bookAfter(book, { kind: 'start', name: 'r' }, 20);
  assert.deepEqual(book.r, { starts: 2, lastStartAt: 20 });
  assert.deepEqual(bookAfter(book, { kind: 'create', name: 'r' }, 30), book);
  assert.deepEqual(bookAfter(book, { kind: 'remove', name: 'r' }, 30), {});
  assert.deepEqual(observe(book, [], 100), {});
  assert.deepEqual(observe(book, [o({})], 100), book);
});
