/**
 * Measured capacity factors: a replica short of its profile lowers its
 * module's factor on its accelerator to what it measures; one that measures
 * as recovered for 10 s gets it back; in between nothing moves (no flapping);
 * a factor nothing measures for 10 minutes is forgotten.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  emptyFactorState,
  estimateFactor,
  factorDecisions,
  type CapacityMeasure,
  type FactorChange,
  type FactorState,
} from '../../../../src/domain/planning/capacity-factors.js';
import { capacityDecisions, emptyCapacityState } from '../../../../src/domain/planning/capacity-trigger.js';
import { DEFAULT_LOAD_TRIGGER } from '../../../../src/domain/planning/load-trigger.js';

const SLOT = { node: 'n1', accelerator: 'gpu0', app: 'a', module: 'det' };
/** A replica planned at 12 fps, 0.8 of its accelerator (profile 15 fps), the accelerator full at 0.8. */
const measure = (servedFps: number, busy: number, plannedFps = 12, share = 0.8, spare = 0.2): CapacityMeasure => ({
  replica: 'rim-n1-a-det-default-gpu0',
  node: 'n1',
  plannedFps,
  servedFps,
  busy,
  slot: SLOT,
  share,
  spare,
});

/** The trigger and the factors over one measurement a second; every change with its time. */
function run(m: (at: number, factor: number) => CapacityMeasure | undefined, seconds: number, from?: FactorState) {
  let trigger = emptyCapacityState();
  let state = from ?? emptyFactorState();
  const changes: (FactorChange & { at: number })[] = [];
  for (let at = 0; at <= seconds * 1000; at += 1000) {
    const x = m(at, state.factors.get([...state.factors.keys()][0] ?? '')?.factor ?? 1);
    const c = capacityDecisions(trigger, x ? [x] : [], at, DEFAULT_LOAD_TRIGGER);
    trigger = c.state;
    const f = factorDecisions(state, x ? [x] : [], c.decisions, at, DEFAULT_LOAD_TRIGGER, 0.9);
    state = f.state;
    changes.push(...f.changes.map((ch) => ({ ...ch, at })));
  }
  return { changes, state };
}

test('the estimate: the capacity it measures against the profile, on the part of the accelerator it could use', () => {
  // Busy all the time at 7.5 fps with the whole accelerator to itself: half its 15 fps profile.
  assert.equal(estimateFactor(measure(7.5, 1), 1), 0.5);
  // The same, already planned at 0.5 (share 12/(0.5·15) = 1.6 → planned 6 fps at share 0.8): still 0.5.
  assert.equal(estimateFactor(measure(6, 0.8, 6, 0.8, 0.2), 0.5), 0.5);
  assert.equal(estimateFactor(measure(6, 0.4, 6, 0.8, 0.2), 0.5), 1, 'half as busy: the capacity is back');
  assert.equal(estimateFactor(measure(12, 1, 12, undefined as unknown as number, 0), 1), 1, 'no share known');
});

test('a slow replica: derated to what it measures when the trigger fires, once (no flapping after)', () => {
  // True capacity 7.5 fps: saturated at 7.5 while planned 12, then at 6 planned it keeps busy 0.8.
  const r = run((_, f) => (f === 1 ? measure(7.5, 1) : measure(6, 0.8, 6, 0.8, 0.2)), 600);
  assert.deepEqual(
    r.changes.map((c) => [c.at, c.from, c.to]),
    [[10_000, 1, 0.5]],
  );
  assert.match(r.changes[0]!.reason, /^derated: a\/det on n1\/gpu0 \(busy 1, 7.5 of 12 planned fps\) gets 0.5/);
  assert.equal(r.state.factors.size, 1);
});

test('steady: a replica that keeps up is never derated', () => {
  for (const m of [measure(11.5, 0.95), measure(12, 0.7), measure(3, 0.85)]) {
    assert.deepEqual(run(() => m, 600).changes, []);
  }
});

test('recovery: a derated replica measured recovered for 10 s gets its profile back, not before', () => {
  // Derated at 10 s of another run: its cooldown is over (times restart at 0 here).
  const slow = {
    ...run((_, f) => (f === 1 ? measure(7.5, 1) : measure(6, 0.8, 6, 0.8, 0.2)), 20).state,
    changedAt: {},
  };
  // Busy 0.4 at its 6 planned fps: capacity 15 fps, all of its profile.
  const r = run((at) => measure(6, at < 5000 ? 0.8 : 0.4, 6, 0.8, 0.2), 60, slow);
  assert.deepEqual(
    r.changes.map((c) => [c.at, c.from, c.to]),
    [[15_000, 0.5, 1]],
  );
  assert.match(r.changes[0]!.reason, /^recovered: a\/det on n1\/gpu0 .* gets all of its profile$/);
  assert.equal(r.state.factors.size, 0);
  // Within the band (estimate 0.55–0.6 of a 0.5 factor: under 1.25×): it stays.
  assert.deepEqual(run(() => measure(6, 0.7, 6, 0.8, 0.2), 600, slow).changes, []);
  // Little arriving (under half its planned fps) proves nothing.
  assert.deepEqual(run(() => measure(2, 0.1, 6, 0.8, 0.2), 600, slow).changes, []);
});

test('a factor nothing measures for 10 minutes is forgotten', () => {
  const slow = run((_, f) => (f === 1 ? measure(7.5, 1) : measure(6, 0.8, 6, 0.8, 0.2)), 20).state;
  const r = run(() => undefined, 700, {
    ...slow,
    seenAt: Object.fromEntries(Object.keys(slow.seenAt).map((k) => [k, 0])),
  });
  assert.deepEqual(
    r.changes.map((c) => [c.at, c.to]),
    [[600_000, 1]],
  );
  assert.match(r.changes[0]!.reason, /^forgotten: /);
});
