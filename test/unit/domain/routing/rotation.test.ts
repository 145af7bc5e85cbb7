/** Which replicas are in rotation, and how health probes move a replica in and out. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  afterConnectFailure,
  afterProbe,
  DEFAULT_PROBE,
  outOfRotation,
  probeDelay,
  type ProbeState,
} from '../../../../src/domain/routing/rotation.js';

const base = { replica: 'r1', node: 'n2', replicaState: 'running' as const, memberState: 'alive' as const };

describe('rotation rules', () => {
  it('a running, healthy replica on an alive member is in rotation', () => {
    assert.equal(outOfRotation({ ...base, health: 'ready' }), undefined);
    assert.equal(outOfRotation({ ...base, memberState: undefined, health: 'ready' }), undefined, 'this node itself');
  });

  it('a replica is out until its /healthz answered', () => {
    assert.match(outOfRotation({ ...base, health: 'unprobed' })!, /health not checked yet/);
    assert.match(outOfRotation({ ...base, health: 'not-ready' })!, /not ready/);
  });

  it('a suspect or dead member takes its replicas out at once, whatever their health', () => {
    for (const s of ['suspect', 'dead', 'left'] as const) {
      assert.match(outOfRotation({ ...base, memberState: s, health: 'ready' })!, new RegExp(`node n2 is ${s}`));
    }
  });

  it('a replica Docker does not show running is out', () => {
    assert.match(outOfRotation({ ...base, replicaState: 'backoff', health: 'ready' })!, /backoff/);
  });
});

describe('health probes', () => {
  const cfg = DEFAULT_PROBE;
  const unprobed: ProbeState = { health: 'unprobed', failures: 0 };

  it('one answered probe brings a replica in; failures keep a new one out', () => {
    assert.deepEqual(afterProbe(unprobed, true, cfg), { health: 'ready', failures: 0 });
    assert.equal(afterProbe(unprobed, false, cfg).health, 'not-ready');
  });

  it(`a ready replica leaves after ${cfg.failuresToLeave} failed probes in a row, not one`, () => {
    let s = afterProbe(unprobed, true, cfg);
    s = afterProbe(s, false, cfg);
    assert.equal(s.health, 'ready');
    s = afterProbe(s, false, cfg);
    assert.equal(s.health, 'not-ready');
    assert.equal(afterProbe(s, true, cfg).health, 'ready', 'and comes back when it answers');
  });

  it('a refused connection takes a ready replica out at once', () => {
    assert.equal(afterConnectFailure({ health: 'ready', failures: 0 }).health, 'not-ready');
  });

  it('probes often while not ready (or doubtful), seldom once ready', () => {
    assert.equal(probeDelay(unprobed, cfg), cfg.notReadyEveryMs);
    assert.equal(probeDelay({ health: 'not-ready', failures: 3 }, cfg), cfg.notReadyEveryMs);
    assert.equal(probeDelay({ health: 'ready', failures: 1 }, cfg), cfg.notReadyEveryMs);
    assert.equal(probeDelay({ health: 'ready', failures: 0 }, cfg), cfg.readyEveryMs);
    assert.ok(cfg.notReadyEveryMs <= 500 && cfg.readyEveryMs > cfg.notReadyEveryMs);
  });
});
