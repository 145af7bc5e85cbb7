/**
 * bench:router's parts: the open-loop generator counts a frame's latency from
 * when it was due (a generator held up cannot hide the wait) and sheds frames
 * over its in-flight cap as failed; its nginx starts on a loopback port as a
 * reverse proxy to the given upstream and leaves nothing behind when stopped;
 * interleaved paths take turns at the rate each; the router process runs with
 * the node flags the appliance's image and `npm start` use.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { findNginx, startNginx } from '../../../bench/router/nginx.js';
import { addedP99Ci, percentile } from '../../../bench/router/bootstrap.js';
import { rng } from '../../../src/domain/placement/workload-gen.js';
import { APPLIANCE_NODE_FLAGS } from '../../../bench/router/node-flags.js';
import { poster, runInterleaved, runStep } from '../../../bench/router/open-loop.js';

const busyWait = (ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // hold the event loop, as a stalled client would
  }
};

describe('bench:router open-loop load', () => {
  it("counts latency from the frame's due time, not from when the generator got to send it", async () => {
    let calls = 0;
    // The first send holds the event loop 150 ms: the 30 frames due meanwhile (of 40) go out late, answered at once.
    const send = () => {
      if (++calls === 1) busyWait(150);
      return Promise.resolve(200);
    };
    const s = await runStep(send, 200, { seconds: 0.2, warmupS: 0, maxInFlight: 64 });
    assert.equal(s.frames, 40);
    assert.equal(s.ok, 40);
    assert.equal(s.failed, 0);
    assert.ok(s.p50 >= 20, `p50 ${s.p50} ms: most frames were due during the stall and waited for it`);
  });

  it('sheds frames due while the in-flight cap is reached, as failed; a frame never answered fails too', async () => {
    let calls = 0;
    const slow = () => {
      calls++;
      return new Promise<number>((r) => setTimeout(() => r(200), 100));
    };
    const s = await runStep(slow, 100, { seconds: 0.2, warmupS: 0, maxInFlight: 3 });
    assert.equal(s.frames, 20);
    assert.ok(calls < 20, `${calls} sends: the ones over the cap were not sent`);
    assert.ok(s.ok > 0 && s.ok === calls, `${s.ok} ok of ${calls} sent`);
    assert.equal(s.failed, s.frames - s.ok);
    const never = () => new Promise<number>(() => {});
    const n = await runStep(never, 100, { seconds: 0.1, warmupS: 0, maxInFlight: 64 });
    assert.deepEqual([n.frames, n.ok, n.failed], [10, 0, 10]);
  });
});

describe('bench:router interleaved paths', () => {
  it("sends each path its frames at the rate, taking turns, and keeps each path's results apart", async () => {
    const order: string[] = [];
    const path = (name: string, status: number) => () => {
      order.push(name);
      return Promise.resolve(status);
    };
    const [a, b] = await runInterleaved([path('a', 200), path('b', 503)], 100, {
      seconds: 0.2,
      warmupS: 0,
      maxInFlight: 8,
    });
    assert.deepEqual([a!.frames, a!.ok, a!.failed], [20, 20, 0]);
    assert.deepEqual([b!.frames, b!.ok, b!.failed], [20, 0, 20]);
    assert.equal(order.join(''), 'ab'.repeat(20), 'the paths take turns');
  });
});

describe('bench:router node flags', () => {
  it("the router process gets the appliance's node flags: the image's CMD and npm start carry the same", () => {
    const dockerfile = readFileSync('images/appliance/Dockerfile', 'utf8');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile);
    assert.ok(cmd, 'the Dockerfile has an exec-form CMD');
    assert.deepEqual(JSON.parse(cmd[1]!), ['node', ...APPLIANCE_NODE_FLAGS, '/app/dist/src/main.js']);
    const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts
      .start;
    // npm start is `rim start` (which names the replica sandbox's image outside a container) with the flags.
    assert.equal(start, ['node', ...APPLIANCE_NODE_FLAGS, 'dist/src/cli/main.js', 'start'].join(' '));
  });
});

const nginx = findNginx();

describe('bench:router nginx', { skip: !nginx && 'nginx is not installed (Debian package nginx)' }, () => {
  it('proxies to the upstream on a loopback port, and stops leaving no process and no temp dir', async () => {
    const upstream = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end(`${req.method} ${req.url}`));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const before = new Set(readdirSync(tmpdir()).filter((f) => f.startsWith('rim-bench-nginx-')));
    const ng = await startNginx(nginx!, (upstream.address() as AddressInfo).port);
    try {
      const dirs = readdirSync(tmpdir()).filter((f) => f.startsWith('rim-bench-nginx-') && !before.has(f));
      assert.equal(dirs.length, 1);
      const c = poster(ng.port, '/infer', Buffer.from('frame'), 4);
      assert.equal(await c.send(), 200);
      c.close();
      const text = await (await fetch(`http://127.0.0.1:${ng.port}/infer`, { method: 'POST', body: 'f' })).text();
      assert.equal(text, 'POST /infer', 'the path reaches the upstream as sent');
      assert.ok(ng.cpuSeconds() >= 0);
      await ng.stop();
      assert.equal(existsSync(`${tmpdir()}/${dirs[0]}`), false, 'temp dir removed');
      await assert.rejects(fetch(`http://127.0.0.1:${ng.port}/x`, { method: 'POST', body: 'f' }));
    } finally {
      await ng.stop();
      upstream.close();
    }
  });
});

describe('bench:router added-p99 interval (bootstrap over interleaved pairs)', () => {
  const draw = (seed: number, n: number, shift: number) => {
    const rnd = rng(seed);
    // A light tail: 2% of frames 1–3 ms slower.
    return Array.from({ length: n }, () => 0.5 + shift + rnd() * 0.2 + (rnd() < 0.02 ? 1 + 2 * rnd() : 0));
  };

  it("is the bench's estimator in the middle, seeded (same seed, same interval), and narrows with more frames", () => {
    const d = draw(1, 3000, 0);
    const x = draw(2, 3000, 0.5);
    const a = addedP99Ci(d, x, { seed: 7, resamples: 400 });
    const b = addedP99Ci(d, x, { seed: 7, resamples: 400 });
    assert.deepEqual(a, b, 'same seed, same interval');
    const sorted = (v: number[]) => [...v].sort((p, q) => p - q);
    assert.equal(a.added, percentile(sorted(x), 99) - percentile(sorted(d), 99));
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90), 9, 'the ceil(q × n)-th smallest');
    assert.ok(a.lo <= a.added && a.added <= a.hi, `${a.lo} <= ${a.added} <= ${a.hi}`);
    assert.equal(a.pairs, 3000);
    const short = addedP99Ci(d.slice(0, 1000), x.slice(0, 1000), { seed: 7, resamples: 400 });
    assert.ok(
      a.hi - a.lo < short.hi - short.lo,
      `3000 pairs ${a.hi - a.lo} ms wide, 1000 pairs ${short.hi - short.lo}`,
    );
  });

  it('leaves out pairs with an unanswered frame, and resamples blocks of consecutive pairs', () => {
    const d = [1, NaN, 1, 1];
    const x = [2, 2, NaN, 2];
    const ci = addedP99Ci(d, x, { seed: 1, resamples: 50, blockPairs: 2 });
    assert.equal(ci.pairs, 2);
    assert.deepEqual([ci.added, ci.lo, ci.hi], [1, 1, 1]);
    // One slow burst of 3 consecutive pairs: blocks of 3 keep it whole (a resample has 0, 3 or 6 of it),
    // single pairs scatter it.
    const n = 300;
    const dd = Array.from({ length: n }, () => 1);
    const xx = Array.from({ length: n }, (_, i) => (i >= 100 && i < 103 ? 10 : 1));
    const blocks = addedP99Ci(dd, xx, { seed: 3, resamples: 300, blockPairs: 3 });
    assert.ok(blocks.hi >= blocks.added && blocks.lo <= blocks.added);
  });
});
