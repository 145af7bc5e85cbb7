/**
 * The chaos run's pure parts (bench/chaos): the seeded schedule and the
 * invariant checks it applies to what it observed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  expectedState,
  leadersPerTerm,
  lostChanges,
  orphans,
  percentile,
  placementGaps,
  sloMisses,
  type Container,
} from '../../../bench/chaos/invariants.js';
import { FAULT_KINDS, makeSchedule, scheduleText } from '../../../bench/chaos/schedule.js';

describe('chaos schedule', () => {
  it('is the same for the same seed and differs for another', () => {
    assert.deepEqual(makeSchedule(14, 30), makeSchedule(14, 30));
    assert.equal(scheduleText(makeSchedule(14, 30)), scheduleText(makeSchedule(14, 30)));
    assert.notDeepEqual(makeSchedule(14, 30), makeSchedule(15, 30));
  });

  it('has every kind once in each round, held faults held, and a box or the leader as target', () => {
    const s = makeSchedule(3, FAULT_KINDS.length * 3);
    for (let r = 0; r < 3; r++) {
      const round = s.slice(r * FAULT_KINDS.length, (r + 1) * FAULT_KINDS.length).map((f) => f.kind);
      assert.deepEqual([...round].sort(), [...FAULT_KINDS].sort());
    }
    for (const f of s) {
      assert.equal(f.box === 'leader', f.kind === 'kill-leader');
      if (f.box !== 'leader') assert.ok(f.box >= 0 && f.box < 3);
      assert.equal(f.holdMs > 0, !['kill-replica', 'restart-docker'].includes(f.kind), `${f.kind} ${f.holdMs}`);
      assert.ok(f.churn.length >= 1 && f.churn.length <= 2);
    }
  });
});

describe('chaos invariants', () => {
  it('one leader per term: two boxes naming different leaders in one term is a violation', () => {
    assert.deepEqual(
      leadersPerTerm([
        { box: 'a', term: 1, leader: 'a' },
        { box: 'b', term: 1, leader: 'a' },
        { box: 'c', term: 2, leader: 'c' },
        { box: 'a', term: 2, leader: null },
      ]),
      [],
    );
    const v = leadersPerTerm([
      { box: 'a', term: 4, leader: 'a' },
      { box: 'c', term: 4, leader: 'c' },
    ]);
    assert.equal(v.length, 1);
    assert.match(v[0]!, /^term 4 had 2 leaders: a \(reported by a\), c \(reported by c\)$/);
  });

  it('acknowledged changes: the last clear answer decides, an unclear one allows either', () => {
    const e = expectedState([
      { op: 'deploy', name: 'x', outcome: 'acked' },
      { op: 'deploy', name: 'y', outcome: 'acked' },
      { op: 'undeploy', name: 'y', outcome: 'acked' },
      { op: 'deploy', name: 'z', outcome: 'unknown' },
      { op: 'deploy', name: 'w', outcome: 'refused' },
      { op: 'deploy', name: 'v', outcome: 'acked' },
      { op: 'undeploy', name: 'v', outcome: 'refused' },
      { op: 'deploy', name: 'u', outcome: 'acked' },
      { op: 'undeploy', name: 'u', outcome: 'gone' },
    ]);
    assert.deepEqual(Object.fromEntries(e), {
      x: 'present',
      y: 'absent',
      z: 'either',
      w: 'absent',
      v: 'present',
      u: 'either',
    });
    assert.deepEqual(lostChanges(e, ['x', 'v']), []);
    assert.deepEqual(lostChanges(e, ['x', 'v', 'z']), []);
    assert.deepEqual(lostChanges(e, ['x', 'v', 'u']), []);
    assert.deepEqual(lostChanges(e, ['y', 'v']), [
      'deploy x acknowledged but missing',
      'undeploy y acknowledged but still listed',
    ]);
  });

  const c = (name: string, node: string, app: string, module: string, running = true): Container => ({
    name,
    node,
    app,
    module,
    running,
  });
  const deployments = [
    { name: 'd1', app: 'noop', state: 'admitted', slo: 'met' as const },
    { name: 'd2', app: 'synthetic', state: 'admitted', slo: null },
  ];
  const placements = [
    { deployment: 'd1', module: 'noop', node: 'b1' },
    { deployment: 'd2', module: 'decode', node: 'b2' },
    { deployment: 'd2', module: 'detect', node: 'b2' },
  ];

  it('every placement has its replica running on its node', () => {
    const all = [
      c('r1', 'b1', 'noop', 'noop'),
      c('r2', 'b2', 'synthetic', 'decode'),
      c('r3', 'b2', 'synthetic', 'detect'),
    ];
    assert.deepEqual(placementGaps(placements, deployments, all), []);
    assert.deepEqual(placementGaps(placements, deployments, [all[0]!, all[1]!, { ...all[2]!, running: false }]), [
      'd2: synthetic/detect planned on b2, not running there',
    ]);
    assert.deepEqual(placementGaps(placements, deployments, [c('r1', 'b3', 'noop', 'noop'), all[1]!, all[2]!]), [
      'd1: noop/noop planned on b1, not running there',
    ]);
  });

  it('no container without an owner: a dead box or no placement of the plan', () => {
    const all = [c('r1', 'b1', 'noop', 'noop'), c('r2', 'b2', 'synthetic', 'decode', false)];
    assert.deepEqual(orphans(all, placements, deployments, ['b1', 'b2']), []);
    assert.deepEqual(orphans(all, placements, deployments, ['b2']), ['r1: its box b1 is not running']);
    assert.deepEqual(orphans([c('r9', 'b2', 'noop', 'noop')], placements, deployments, ['b1', 'b2']), [
      'r9 on b2: no placement of the plan',
    ]);
    // A box's replica sandbox is owned by its box, placed or not; once the box is gone it is an orphan too.
    const sandbox = { ...c('rim-sandbox-b2', 'b2', '', ''), role: 'sandbox' };
    assert.deepEqual(orphans([sandbox], placements, deployments, ['b1', 'b2']), []);
    assert.deepEqual(orphans([sandbox], placements, deployments, ['b1']), [
      'rim-sandbox-b2: its box b2 is not running',
    ]);
  });

  it('SLO: only admitted deployments measured as violated', () => {
    assert.deepEqual(sloMisses(deployments), []);
    assert.deepEqual(
      sloMisses([
        { name: 'a', app: 'noop', state: 'admitted', slo: 'violated' },
        { name: 'b', app: 'noop', state: 'rejected', slo: 'violated' },
      ]),
      ['a: SLO violated after recovery'],
    );
  });

  it('percentiles by nearest rank', () => {
    assert.equal(percentile([], 50), null);
    assert.equal(percentile([5, 1, 3, 2, 4], 50), 3);
    assert.equal(percentile([5, 1, 3, 2, 4], 90), 5);
    assert.equal(percentile([5, 1, 3, 2, 4], 100), 5);
  });
});
