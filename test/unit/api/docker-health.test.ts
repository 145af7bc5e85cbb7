/**
 * DockerHealth.untilReachable: what the appliance's supervisor and profiler
 * wait on before their first Docker call. A fake engine (the adapter's
 * `ping`) stands in for the Docker engine.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DockerHealth } from '../../../src/api/docker-health.js';
import { createLogger } from '../../../src/log.js';

const engine = () => {
  const e = { up: false, ping: async () => (e.up ? undefined : Promise.reject(new Error('no socket'))) };
  return e;
};

describe('docker health: until reachable', () => {
  it('waits while the engine does not answer and resolves true at the check that finds it', async () => {
    const e = engine();
    const h = new DockerHealth(e, createLogger({ level: 'silent' }));
    await h.check();
    let result: boolean | undefined;
    const waiting = h.untilReachable(new AbortController().signal).then((r) => (result = r));
    await h.check(); // still down: no change, still waiting
    await new Promise((r) => setImmediate(r));
    assert.equal(result, undefined, 'resolved while the engine was still down');
    e.up = true;
    await h.check();
    assert.equal(await waiting, true);
  });

  it('resolves true at once when the engine answers now, and false when the signal aborts first', async () => {
    const e = engine();
    const h = new DockerHealth(e, createLogger({ level: 'silent' }));
    const abort = new AbortController();
    const waiting = h.untilReachable(abort.signal);
    abort.abort();
    assert.equal(await waiting, false);
    e.up = true;
    await h.check();
    assert.equal(await h.untilReachable(new AbortController().signal), true);
  });
});
