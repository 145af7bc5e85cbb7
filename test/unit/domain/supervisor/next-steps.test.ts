import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReplicaSpec, bindingFor } from '../../../../src/domain/replica-spec.js';
import { earliestWait, nextSteps, orphanedProfilingReplicas } from '../../../../src/domain/supervisor/next-steps.js';
import { emptyRestartBook, noteStart, type RestartBook } from '../../../../src/domain/supervisor/restart-book.js';
import { replicaStatuses } from '../../../../src/domain/supervisor/replica-status.js';
import type { Assignment } from '../../../../src/domain/types.js';
import { box, brief, observed, synthetic } from './fixtures.js';

const decode = buildReplicaSpec({
  node: 'box-1',
  app: synthetic,
  module: 'decode',
  accelerator: { kind: 'cpu' },
  port: 17000,
});
const detect = buildReplicaSpec({
  node: 'box-1',
  app: synthetic,
  module: 'detect',
  accelerator: bindingFor('emu0', box.accelerators),
  port: 17001,
});
const target: Assignment = { node: 'box-1', version: 1, replicas: [decode, detect] };

test('from nothing: create every assigned replica', () => {
  assert.deepEqual(brief(nextSteps([], target, emptyRestartBook, 0)), [
    `create ${decode.name}`,
    `create ${detect.name}`,
  ]);
});

test('created containers are started; running ones with a matching hash are adopted untouched', () => {
  const steps = nextSteps(
    [observed(decode), observed(detect, { status: 'created', startedAt: undefined })],
    target,
    emptyRestartBook,
    0,
  );
  assert.deepEqual(brief(steps), [`start ${detect.name}`]);
  assert.deepEqual(nextSteps([observed(decode), observed(detect)], target, emptyRestartBook, 0), []);
});

test('a stale spec hash (drift) is stopped and removed, and created again only once the name is free', () => {
  const stale = observed(decode, { specHash: 'old' });
  assert.deepEqual(brief(nextSteps([stale, observed(detect)], target, emptyRestartBook, 0)), [
    `stop ${decode.name}`,
    `remove ${decode.name}`,
  ]);
  assert.deepEqual(brief(nextSteps([observed(detect)], target, emptyRestartBook, 0)), [`create ${decode.name}`]);
});

test('managed containers not assigned are removed (exited ones without a stop)', () => {
  const other = buildReplicaSpec({
    node: 'box-1',
    app: synthetic,
    module: 'track',
    accelerator: { kind: 'cpu' },
    port: 17009,
  });
  const steps = nextSteps(
    [observed(decode), observed(detect), observed(other, { status: 'exited' })],
    target,
    emptyRestartBook,
    0,
  );
  assert.deepEqual(brief(steps), [`remove ${other.name}`]);
  assert.deepEqual(brief(nextSteps([observed(other)], { ...target, replicas: [] }, emptyRestartBook, 0)), [
    `stop ${other.name}`,
    `remove ${other.name}`,
  ]);
});

test('a crashed replica waits out its backoff, then is started again', () => {
  let book: RestartBook = noteStart(emptyRestartBook, decode.name, 1000);
  const crashed = observed(decode, { status: 'exited', exitCode: 137, finishedAt: 5000 });
  assert.deepEqual(brief(nextSteps([crashed, observed(detect)], target, book, 5050)), [`wait ${decode.name} 5100`]);
  assert.equal(earliestWait(nextSteps([crashed, observed(detect)], target, book, 5050)), 5100);
  assert.deepEqual(brief(nextSteps([crashed, observed(detect)], target, book, 5100)), [`start ${decode.name}`]);
  book = noteStart(book, decode.name, 5100);
  const again = observed(decode, { status: 'exited', exitCode: 1, finishedAt: 5150 });
  assert.deepEqual(brief(nextSteps([again, observed(detect)], target, book, 5200)), [`wait ${decode.name} 5350`]);
});

test('an exited replica found after an appliance restart (empty book) is started without delay', () => {
  const old = observed(decode, { status: 'exited', exitCode: 137, finishedAt: 100 });
  assert.deepEqual(brief(nextSteps([old, observed(detect)], target, emptyRestartBook, 10_000)), [
    `start ${decode.name}`,
  ]);
});

test('dead containers are removed; profiling replicas are left to the profiler', () => {
  const prof = buildReplicaSpec({
    node: 'box-1',
    app: synthetic,
    module: 'detect',
    accelerator: { kind: 'cpu' },
    port: 17100,
    role: 'profiling',
  });
  const steps = nextSteps(
    [observed(decode, { status: 'dead' }), observed(detect), observed(prof, { status: 'exited' })],
    target,
    emptyRestartBook,
    0,
  );
  assert.deepEqual(brief(steps), [`remove ${decode.name}`]);
  assert.deepEqual(brief(orphanedProfilingReplicas([observed(decode), observed(prof)])), [`remove ${prof.name}`]);
  // Created since this process started: the live profiler's, not an orphan.
  assert.deepEqual(brief(orphanedProfilingReplicas([observed(prof, { createdAt: 5000 })], 4000)), []);
  assert.deepEqual(brief(orphanedProfilingReplicas([observed(prof, { createdAt: 3000 })], 4000)), [
    `remove ${prof.name}`,
  ]);
});

test('statuses: pending, running, backoff with next restart, crash-loop', () => {
  let book: RestartBook = emptyRestartBook;
  for (let i = 0; i < 7; i++) book = noteStart(book, detect.name, 1000 + i);
  const s = replicaStatuses(
    target,
    [observed(detect, { status: 'exited', exitCode: 3, finishedAt: 2000 })],
    book,
    2100,
  );
  assert.equal(s[0]!.state, 'pending');
  assert.equal(s[1]!.state, 'crash-loop');
  assert.equal(s[1]!.restarts, 6);
  assert.deepEqual(s[1]!.lastExit, { code: 3, at: 2000 });
  assert.equal(s[1]!.nextRestartAt, 2000 + 6400);
  assert.equal(s[1]!.accelerator, 'emu0');
  const one = replicaStatuses(
    target,
    [observed(decode, { status: 'exited', exitCode: 1, finishedAt: 50 })],
    noteStart(emptyRestartBook, decode.name, 10),
    60,
  );
  assert.equal(one[0]!.state, 'backoff');
  assert.equal(replicaStatuses(target, [observed(decode)], emptyRestartBook, 0)[0]!.state, 'running');
  assert.deepEqual(replicaStatuses(undefined, [], emptyRestartBook, 0), []);
});

test("a replica of another sandbox than the node's (created anew, or from before the fence) is replaced", () => {
  const ok = observed(decode, { sandbox: 'sb2' });
  const old = observed(detect, { sandbox: 'sb1' });
  assert.deepEqual(brief(nextSteps([ok, old], target, emptyRestartBook, 0, 'sb2')), [
    `stop ${detect.name}`,
    `remove ${detect.name}`,
  ]);
  const unfenced = observed(detect);
  assert.deepEqual(brief(nextSteps([ok, unfenced], target, emptyRestartBook, 0, 'sb2')), [
    `stop ${detect.name}`,
    `remove ${detect.name}`,
  ]);
  assert.deepEqual(nextSteps([ok, old], target, emptyRestartBook, 0), [], 'no sandbox known yet: nothing judged');
});
