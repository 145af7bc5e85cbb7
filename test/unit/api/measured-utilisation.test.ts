import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MeasuredUtilisation } from '../../../src/api/measured-utilisation.js';
import type { ReplicaStatus } from '../../../src/domain/types.js';

const replica = (name: string, accelerator: string, state: ReplicaStatus['state'] = 'running'): ReplicaStatus => ({
  name,
  app: 'a',
  module: name,
  variant: 'default',
  port: 1,
  accelerator,
  containerId: `c-${name}`,
  state,
  restarts: 0,
});

describe('measured utilisation', () => {
  const inventory = {
    get: async () => ({
      id: 'n',
      cpus: 4,
      memoryMB: 1024,
      accelerators: [
        { id: 'emu0', model: 'RTX 2080 Ti', memoryMB: 4096, emulated: true, cpus: 1 },
        { id: 'gpu0', model: 'A2', memoryMB: 16384 },
      ],
    }),
  };
  const cores: Record<string, number> = { 'c-a': 0.25, 'c-b': 0.5, 'c-c': 1, 'c-d': 9 };
  let now = 0;
  let statsCalls = 0;
  const make = (replicas: ReplicaStatus[]) =>
    new MeasuredUtilisation({
      engine: {
        stats: async (id) => {
          statsCalls++;
          return { cpuCores: cores[id]!, memoryMB: 1 };
        },
      },
      inventory,
      supervisor: { replicas: () => replicas },
      gpu: { read: async (d) => (d === '0' ? { memoryUsedMB: 1, utilizationPct: 37 } : undefined) },
      now: () => now,
    });

  it('CPU share of an emulated accelerator, nvidia-smi for a GPU, the replicas CPU over the free cores', async () => {
    const u = make([replica('a', 'emu0'), replica('b', 'emu0'), replica('c', 'cpu'), replica('d', 'cpu', 'backoff')]);
    assert.deepEqual(await u.get(), {
      emu0: { ratio: 0.75, source: 'cpu-share' },
      gpu0: { ratio: 0.37, source: 'nvidia-smi' },
      cpu: { ratio: 0.25, source: 'cpu-share' },
    });
  });

  it('latest(): the first call waits for a measurement; later ones answer at once while a new one runs', async () => {
    const u = make([replica('a', 'emu0')]);
    statsCalls = 0;
    const first = await u.latest();
    assert.equal(first.emu0?.ratio, 0.25);
    assert.equal(statsCalls, 1);
    now += 10_000;
    let settled = false;
    const again = u.latest().then((v) => {
      settled = true;
      return v;
    });
    await Promise.resolve();
    await Promise.resolve();
    assert.equal(settled, true, 'a stale measurement is answered at once');
    assert.deepEqual(await again, first);
    assert.equal(statsCalls, 2, 'and a new one was started');
  });

  it('reads once per short interval', async () => {
    const u = make([replica('a', 'emu0')]);
    statsCalls = 0;
    await u.get();
    await u.get();
    assert.equal(statsCalls, 1);
    now += 10_000;
    await u.get();
    assert.equal(statsCalls, 2);
  });
});
