/**
 * The router's scavenges between frames (src/router/idle-scavenge.ts): a
 * collection only once the last frame in flight has been answered and no
 * frame came for `quietMs` (one timer, re-armed by each answer), only when
 * the young generation is at least `threshold` full, at most one look per
 * `minGapMs`; the data plane over real HTTP drives it (a fake young
 * generation at its adapter seam); and the V8 adapter collects for real in a
 * node started with --expose-gc, and is off without it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { replicaName } from '../../../src/domain/replica-spec.js';
import { createDataPlane, type DataPlane } from '../../../src/router/data-plane.js';
import { IdleScavenger, type YoungGeneration } from '../../../src/router/idle-scavenge.js';
import { app, deployment, doc, manifest, mod, replica } from '../domain/routing/fixtures.js';

/** A young generation whose fill a test sets, counting collections (a collection empties it). */
const fakeYoung = (fill: number) => {
  const y = {
    level: fill,
    collected: 0,
    fill: () => y.level,
    collect: () => {
      y.collected++;
      y.level = 0;
    },
  };
  return y satisfies YoungGeneration;
};

/** A scavenger on the test's clock whose one timer fires when the test says (`quiet()`: quietMs passed). */
const scavenger = (young: YoungGeneration, opts: { threshold?: number; minGapMs?: number } = {}) => {
  const clock = { t: 1000 };
  const timer = { look: undefined as (() => void) | undefined, created: 0, armed: false };
  const s = new IdleScavenger({
    young,
    now: () => clock.t,
    timer: (look, ms) => {
      assert.equal(ms, 2, 'quietMs defaults to 2');
      timer.look = look;
      timer.created++;
      timer.armed = true;
      return { refresh: () => (timer.armed = true) };
    },
    ...opts,
  });
  const quiet = () => {
    if (!timer.armed) return;
    timer.armed = false;
    timer.look!();
  };
  return { s, clock, quiet, timer };
};

describe('IdleScavenger', () => {
  it('collects once the last frame in flight is answered and the young generation is full enough', () => {
    const young = fakeYoung(0.8);
    const { s, quiet, timer } = scavenger(young);
    s.started();
    s.started();
    s.finished();
    assert.equal(timer.armed, false, 'another frame is still in flight: the timer is not armed');
    s.finished();
    assert.equal(young.collected, 0, 'the look waits for quietMs after the answer');
    quiet();
    assert.equal(young.collected, 1);
    assert.equal(s.collections, 1);
  });

  it('leaves a young generation under the threshold to V8', () => {
    const young = fakeYoung(0.74);
    const { s, clock, quiet } = scavenger(young, { threshold: 0.75 });
    s.started();
    s.finished();
    quiet();
    assert.equal(young.collected, 0);
    clock.t += 100; // minGapMs's default
    young.level = 0.75;
    s.started();
    s.finished();
    quiet();
    assert.equal(young.collected, 1);
  });

  it('does not collect while a frame that came after the answer is in flight', () => {
    const young = fakeYoung(0.9);
    const { s, quiet, timer } = scavenger(young);
    s.started();
    s.finished();
    s.started(); // the next frame, before quietMs passed
    quiet();
    assert.equal(young.collected, 0);
    s.finished();
    assert.equal(timer.armed, true, 'its answer re-arms the timer');
    quiet();
    assert.equal(young.collected, 1);
  });

  it('keeps one timer, re-armed by answers, and looks at most once per minGapMs', () => {
    const young = fakeYoung(0.1);
    let reads = 0;
    const counted: YoungGeneration = { fill: () => (reads++, young.fill()), collect: young.collect };
    const { s, clock, quiet, timer } = scavenger(counted, { minGapMs: 20 });
    s.started();
    s.finished();
    quiet();
    assert.equal(reads, 1);
    for (let i = 0; i < 5; i++) {
      clock.t += 2;
      s.started();
      s.finished();
      quiet();
    }
    assert.equal(reads, 1, 'answers within 20 ms of the last look arm nothing');
    clock.t += 20;
    young.level = 0.9;
    s.started();
    s.finished();
    quiet();
    assert.equal(reads, 2);
    assert.equal(young.collected, 1);
    assert.equal(timer.created, 1, 'one timer, re-armed, for every look');
  });
});

describe('data plane with an idle scavenger, over real HTTP', { timeout: 20_000 }, () => {
  let module: http.Server;
  let front: http.Server;
  let dp: DataPlane;
  let base = '';
  const young = fakeYoung(0);
  let holdModule: (() => void)[] | undefined;
  let skew = 0;

  before(async () => {
    module = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const answer = () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        if (holdModule) holdModule.push(answer);
        else answer();
      });
    });
    await new Promise<void>((r) => module.listen(0, '127.0.0.1', r));
    const port = (module.address() as AddressInfo).port;
    const one = manifest('one', 'm', [mod('m', [])]);
    const cluster = doc({
      apps: [app(one)],
      deployments: [deployment('cam', 'one', 1000, 10_000)],
      placements: [{ deployment: 'cam', module: 'm', node: 'n', accelerator: 'cpu', fps: 1000 }],
    });
    const replicas = [{ ...replica(replicaName('n', 'one', 'm', 'default', 'cpu'), port), app: 'one', module: 'm' }];
    dp = createDataPlane({
      nodeId: 'n',
      store: { read: () => structuredClone(cluster) },
      supervisor: { replicas: () => replicas },
      adminToken: 'x'.repeat(16),
      openFrames: true,
      logger: pino({ level: 'silent' }),
      now: () => Date.now() + skew,
      probe: false,
      young,
    });
    front = http.createServer((req, res) => {
      if (!dp.intercept(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  });
  after(async () => {
    dp.close();
    front.closeAllConnections();
    module.closeAllConnections();
    await new Promise((r) => front.close(r));
    await new Promise((r) => module.close(r));
  });

  const frame = () => fetch(`${base}/v1/deployments/cam/frames`, { method: 'POST', body: 'x' }).then((r) => r.text());
  /** Waits (polling) until `cond` holds; fails after 5 s. */
  const until = async (cond: () => boolean, what: string) => {
    const deadline = Date.now() + 5000;
    while (!cond()) {
      assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  };

  it('collects after the last answer when the young generation is full, and not while frames are held', async () => {
    const idle = dp.idle!;
    assert.ok(idle, 'a data plane given a young generation has a scavenger');
    young.level = 0.9;
    holdModule = [];
    const a = frame();
    const b = frame();
    await until(() => holdModule!.length === 2, 'both frames at the module');
    assert.equal(idle.framesInFlight, 2);
    holdModule.shift()!();
    assert.equal(await a, 'ok');
    await until(() => idle.framesInFlight === 1, "the first answer's close");
    assert.equal(idle.looks, 0, 'one frame still in flight: no look');
    holdModule.shift()!();
    holdModule = undefined;
    assert.equal(await b, 'ok');
    await until(() => idle.looks === 1, 'the look after the last answer');
    assert.equal(young.collected, 1, 'the last answer out, the young generation full: one collection');
    skew += 110; // past minGapMs (100) of the data plane's clock
    young.level = 0.1;
    assert.equal(await frame(), 'ok');
    await until(() => idle.looks === 2, 'the next look');
    assert.equal(young.collected, 1, 'under the threshold: left to V8');
  });
});

describe('v8YoungGeneration', () => {
  const adapter = fileURLToPath(new URL('../../../src/adapters/v8-young-generation.ts', import.meta.url));
  const run = (flags: string[]) =>
    execFileSync(
      process.execPath,
      [
        ...flags,
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { v8YoungGeneration } = await import(${JSON.stringify(adapter)});
         const y = v8YoungGeneration();
         if (!y) { console.log(JSON.stringify({ off: true })); process.exit(0); }
         const keep = [];
         for (let i = 0; i < 20000; i++) keep.push({ i, s: 'x' + i });
         keep.length = 0;
         const before = y.fill();
         y.collect();
         console.log(JSON.stringify({ before, after: y.fill() }));`,
      ],
      { encoding: 'utf8' },
    );

  it('reads the young generation and scavenges it with --expose-gc', () => {
    const r = JSON.parse(run(['--expose-gc'])) as { before: number; after: number };
    assert.ok(r.before > 0 && r.before <= 1, `fill ${r.before}`);
    assert.ok(r.after < r.before, `a minor collection empties it: ${r.before} → ${r.after}`);
  });

  it('is off without --expose-gc', () => {
    assert.deepEqual(JSON.parse(run([])), { off: true });
  });
});
