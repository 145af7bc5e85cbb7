/** Re-plan on load: a band of 0.8–1.0 × the allocation, sustained 10 s, then a 30 s cooldown; 1.1× headroom. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  autoAllocation,
  emptyLoadTriggerState,
  loadDecisions,
  type LoadMeasure,
  type LoadTarget,
  type LoadTriggerState,
} from '../../../../src/domain/planning/load-trigger.js';

const auto = (fps: number, maxFps = 20): LoadTarget => ({ name: 'cam', fps, maxFps, placed: true });
const m = (arrivalFps: number, sloViolated = false) =>
  new Map<string, LoadMeasure>([['cam', { arrivalFps, sloViolated }]]);

/** Feeds the same measurement every second from t=0 to t=seconds; returns every decision with its time. */
function run(target: LoadTarget, measure: Map<string, LoadMeasure>, seconds: number, state = emptyLoadTriggerState()) {
  const fired: { at: number; fps?: number; kind: string; reason: string }[] = [];
  let s: LoadTriggerState = state;
  let t = target;
  for (let at = 0; at <= seconds * 1000; at += 1000) {
    const r = loadDecisions(s, [t], measure, at);
    s = r.state;
    for (const d of r.decisions) {
      fired.push({ at, fps: d.fps, kind: d.kind, reason: d.reason });
      if (d.fps !== undefined) t = { ...t, fps: d.fps };
    }
  }
  return fired;
}

test('an allocation follows arrival rounded up to 1 fps, at least one step, at most maxFps', () => {
  assert.equal(autoAllocation(9.2, 20, 1), 10);
  assert.equal(autoAllocation(10, 20, 1), 10);
  assert.equal(autoAllocation(0, 20, 1), 1);
  assert.equal(autoAllocation(35, 20, 1), 20);
});

test('with headroom the allocation covers the arrival and a tenth more, rounded up', () => {
  assert.equal(autoAllocation(4.5, 9, 1, 1.1), 5);
  assert.equal(autoAllocation(3.9, 9, 1, 1.1), 5);
  assert.equal(autoAllocation(10, 20, 1, 1.1), 11);
  assert.equal(autoAllocation(19, 20, 1, 1.1), 20);
});

test('a steady load inside the band (0.95 of the allocation) never fires, however long', () => {
  assert.deepEqual(run(auto(10), m(9.5), 600), []);
  assert.deepEqual(run(auto(10), m(10), 600), []);
  assert.deepEqual(run(auto(10), m(8.1), 600), []);
});

test('a camera a little above its allocation is re-allocated: the router would refuse what is over', () => {
  const fired = run(auto(10), m(10.5), 600);
  assert.deepEqual(
    fired.map((x) => [x.at, x.fps]),
    [[10_000, 12]],
  );
  assert.match(fired[0]!.reason, /arrival 10.5 fps above its allocation 10 fps for 10 s; allocation now 12 fps/);
});

test('after a change the camera sits inside the band: one change in 10 minutes, at any steady rate', () => {
  for (const rate of [1.3, 2.5, 4.5, 7.9, 9, 12.4, 15.9]) {
    const fired = run(auto(20), m(rate), 600);
    assert.equal(fired.length, 1, `${rate} fps: ${JSON.stringify(fired)}`);
    assert.ok(fired[0]!.fps! >= rate, `${rate} fps is covered by ${fired[0]!.fps}`);
  }
});

test('arrival above the allocation fires once it has lasted 10 s, with the new allocation and the reason', () => {
  const fired = run(auto(10), m(15.2), 60);
  assert.equal(fired.length, 1);
  assert.equal(fired[0]!.at, 10_000);
  assert.equal(fired[0]!.fps, 17);
  assert.match(fired[0]!.reason, /arrival 15.2 fps above its allocation 10 fps for 10 s; allocation now 17 fps/);
});

test('arrival below 0.8× shrinks the allocation; a blip shorter than 10 s fires nothing', () => {
  assert.equal(run(auto(10), m(4), 20)[0]?.fps, 5);
  let s = emptyLoadTriggerState();
  for (let at = 0; at <= 30_000; at += 1000) {
    const r = loadDecisions(s, [auto(10)], at % 10_000 < 9000 ? m(20) : m(10), at);
    assert.deepEqual(r.decisions, []);
    s = r.state;
  }
});

test('after firing, the cooldown holds the next change off for 30 s', () => {
  let s = emptyLoadTriggerState();
  let r = loadDecisions(s, [auto(10)], m(15), 0);
  r = loadDecisions(r.state, [auto(10)], m(15), 10_000);
  assert.equal(r.decisions.length, 1);
  s = r.state;
  const times: number[] = [];
  for (let at = 11_000; at <= 60_000; at += 1000) {
    const x = loadDecisions(s, [auto(15)], m(19), at);
    s = x.state;
    if (x.decisions.length) times.push(at);
  }
  assert.deepEqual(times, [40_000]);
});

test('at maxFps more arrival fires nothing; without traffic the timer resets', () => {
  assert.deepEqual(run(auto(20), m(40), 60), []);
  let s = loadDecisions(emptyLoadTriggerState(), [auto(10)], m(30), 0).state;
  s = loadDecisions(s, [auto(10)], new Map(), 5000).state;
  assert.deepEqual(loadDecisions(s, [auto(10)], m(30), 10_000).decisions, []);
});

test('a fixed rate is never re-allocated; a sustained SLO violation of a placed deployment asks for a re-plan', () => {
  const fixed: LoadTarget = { name: 'cam', fps: 10, placed: true };
  assert.deepEqual(run(fixed, m(30), 60), []);
  const slo = run(fixed, m(10, true), 45);
  assert.deepEqual(
    slo.map((x) => [x.at, x.kind, x.fps]),
    [
      [10_000, 'slo', undefined],
      [40_000, 'slo', undefined],
    ],
  );
  assert.deepEqual(run({ ...fixed, placed: false }, m(10, true), 60), []);
});
