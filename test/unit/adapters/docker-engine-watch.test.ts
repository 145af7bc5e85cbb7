/**
 * The Docker adapter's event subscription, against a stand-in engine API on a
 * unix socket (no Docker needed): a caller that aborts while the engine is
 * still answering the subscription gets its `watch` back, and the stream is
 * closed (a supervisor stopped right after it started must stop).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DockerContainerEngine } from '../../../src/adapters/docker-engine.js';

test('an abort while the events subscription is being answered ends watch and closes the stream', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rim-fake-docker-'));
  const socketPath = join(dir, 'docker.sock');
  let asked!: () => void;
  const subscribed = new Promise<void>((r) => (asked = r));
  let held: ServerResponse | undefined;
  const after: (() => Promise<unknown>)[] = [];
  const closed = new Promise<void>((resolve) => {
    const server = createServer((req, res) => {
      if (!/\/events/.test(req.url ?? '')) return res.writeHead(500).end();
      held = res;
      res.on('close', resolve);
      asked();
    });
    server.listen(socketPath);
    after.push(() => new Promise((r) => server.close(r)));
  });
  try {
    const engine = new DockerContainerEngine({ socketPath });
    const ac = new AbortController();
    const watching = engine.watch('box-1', () => undefined, ac.signal);
    await subscribed;
    ac.abort(); // before the engine has answered the subscription
    held!.writeHead(200, { 'content-type': 'application/json' }).write('');
    // A bound for the failure only: with the fix, watch returns within a turn of the event loop.
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      watching.then(() => 'returned'),
      new Promise((r) => (timer = setTimeout(() => r('watch still pending 5 s after the abort'), 5000))),
    ]);
    clearTimeout(timer);
    assert.equal(outcome, 'returned');
    await closed; // the adapter closed the stream it no longer reads
  } finally {
    held?.destroy();
    for (const f of after) await f();
    rmSync(dir, { recursive: true, force: true });
  }
});
