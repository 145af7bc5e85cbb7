/**
 * The event loop first: in a process of its own (a test must not renice its
 * runner), lowerHelperThreads leaves the main thread's priority and lowers
 * every other thread's (V8's and libuv's) to the nice asked for.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const module = fileURLToPath(new URL('../../../bench/router/helper-threads.ts', import.meta.url));

test('helper threads at the nice asked for, the main thread as it was', { skip: process.platform !== 'linux' }, () => {
  const script = `
    import { readdirSync, readFileSync } from 'node:fs';
    import { getPriority } from 'node:os';
    const { lowerHelperThreads } = await import(${JSON.stringify(module)});
    const before = getPriority();
    const lowered = lowerHelperThreads(19);
    const nice = (t) => {
      const s = readFileSync('/proc/self/task/' + t + '/stat', 'utf8');
      return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[16]);
    };
    const threads = readdirSync('/proc/self/task').map((t) => ({ main: Number(t) === process.pid, nice: nice(t) }));
    console.log(JSON.stringify({ before, lowered, threads }));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  const { before, lowered, threads } = JSON.parse(out) as {
    before: number;
    lowered: number;
    threads: { main: boolean; nice: number }[];
  };
  const helpers = threads.filter((t) => !t.main);
  assert.ok(helpers.length > 0, 'node runs helper threads');
  assert.equal(lowered, helpers.length);
  assert.deepEqual(
    helpers.map((t) => t.nice),
    helpers.map(() => 19),
  );
  assert.equal(threads.find((t) => t.main)!.nice, before, 'the event loop keeps its priority');
});
