/** Re-plan when a replica is saturated (busy ≥ 0.9) yet serves under 0.8× its planned fps, sustained 10 s. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  capacityDecisions,
  emptyCapacityState,
  type ReplicaMeasure,
} from '../../../../src/domain/planning/capacity-trigger.js';
import { DEFAULT_LOAD_TRIGGER } from '../../../../src/domain/planning/load-trigger.js';

const replica = (servedFps: number, busy: number): ReplicaMeasure => ({
  replica: 'rim-n1-a-det-default-cpu',
  node: 'n1',
  plannedFps: 10,
  servedFps,
  busy,
});

/** The same measurement every second from t=0 to t=seconds; the times it fired. */
function run(measure: (at: number) => ReplicaMeasure | undefined, seconds: number) {
  let s = emptyCapacityState();
  const fired: { at: number; reason: string }[] = [];
  for (let at = 0; at <= seconds * 1000; at += 1000) {
    const m = measure(at);
    const r = capacityDecisions(s, m ? [m] : [], at, DEFAULT_LOAD_TRIGGER);
    s = r.state;
    for (const d of r.decisions) fired.push({ at, reason: d.reason });
  }
  return fired;
}

test('a saturated replica serving under 0.8× its planned fps fires after 10 s, then every 30 s at most', () => {
  const fired = run(() => replica(6, 0.97), 45);
  assert.deepEqual(
    fired.map((f) => f.at),
    [10_000, 40_000],
  );
  assert.match(
    fired[0]!.reason,
    /^capacity: replica rim-n1-a-det-default-cpu on n1 busy 0.97 serving 6 fps, below 0.8× its planned 10 fps for 10 s$/,
  );
});

test('a replica that keeps up, or is not saturated, never fires', () => {
  assert.deepEqual(
    run(() => replica(9.5, 0.95), 600),
    [],
    'saturated but serving 0.95 of its plan',
  );
  assert.deepEqual(
    run(() => replica(8, 1), 600),
    [],
    'exactly 0.8×',
  );
  assert.deepEqual(
    run(() => replica(3, 0.85), 600),
    [],
    'slow but not saturated (little arriving)',
  );
  assert.deepEqual(
    run(() => ({ ...replica(0, 1), plannedFps: 0 }), 60),
    [],
    'nothing planned on it',
  );
});

test('a shortfall shorter than 10 s fires nothing; a pause in measurements resets the timer, not the cooldown', () => {
  assert.deepEqual(
    run((at) => (at % 10_000 < 9000 ? replica(5, 1) : replica(10, 0.9)), 60),
    [],
  );
  assert.deepEqual(
    run((at) => (at % 10_000 < 9000 ? replica(5, 1) : undefined), 60),
    [],
  );
  const fired = run((at) => (at >= 12_000 && at < 14_000 ? undefined : replica(5, 1)), 60);
  assert.deepEqual(
    fired.map((f) => f.at),
    [10_000, 40_000],
  );
});
