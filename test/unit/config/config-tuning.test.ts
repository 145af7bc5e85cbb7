import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/load-config.js';

test('profiler tuning comes from RIM_PROFILING_TUNING (test clusters shorten windows); a bad key is named', () => {
  const { config } = loadConfig(
    { RIM_PROFILING_TUNING: '{"windowMs":300,"checkIntervalMs":2000}' },
    { cwd: '/nonexistent' },
  );
  assert.equal(config.profiling.tuning?.windowMs, 300);
  assert.equal(config.profiling.tuning?.checkIntervalMs, 2000);
  assert.throws(
    () => loadConfig({ RIM_PROFILING_TUNING: '{"windowMs":1}' }, { cwd: '/nonexistent' }),
    /profiling\.tuning\.windowMs/,
  );
  assert.equal(loadConfig({}, { cwd: '/nonexistent' }).config.profiling.tuning, undefined);
});
