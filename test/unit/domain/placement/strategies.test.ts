/**
 * Every strategy's plans pass the one validator: on the paper testbed, on
 * generated workloads (property-based), and on adversarial ones.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { propertyParams } from '../../../support/property-seed.js';
import {
  CPU_ONLY_TYPES,
  generateCluster,
  generateDeployments,
  PAPER_NODE_TYPES,
  shapeOf,
  withoutProfiles,
} from '../../../../src/domain/placement/workload-gen.js';
import { parseManifest } from '../../../../src/domain/manifest.js';
import {
  admitted,
  chainApp,
  gpuNode,
  HEURISTICS,
  milpSolver,
  NET,
  planValid,
  prof,
  testbed,
  type Workload,
} from './fixtures.js';

const tb = testbed();

describe('every strategy on the paper testbed', () => {
  for (const strategy of HEURISTICS) {
    it(`${strategy}: valid, and admits something`, () => {
      const plan = planValid(tb, { strategy });
      assert.ok(plan.placements.length > 0);
      assert.equal(plan.strategy, strategy);
    });
  }

  it('optimal (HiGHS, time-limited): valid, reports status and gap, admits at least what rim does', async () => {
    const small: Workload = { ...tb, deployments: tb.deployments.slice(0, 6) };
    const opt = planValid(small, { strategy: 'optimal', solver: await milpSolver(), timeLimitMs: 4000 });
    assert.equal(typeof opt.status, 'string');
    assert.equal(typeof opt.gap, 'number');
    assert.ok(opt.gap! >= 0 && opt.gap! <= 1, `gap against the latency-aware bound: ${opt.gap}`);
    const rim = planValid(small, { strategy: 'rim' });
    const fps = (names: Set<string>) =>
      small.deployments.filter((d) => names.has(d.name)).reduce((a, d) => a + d.fps, 0);
    assert.ok(fps(admitted(opt)) >= fps(admitted(rim)), "the MILP is warm-started with rim's plan");
  });
});

describe('generated workloads (property-based)', () => {
  it('every heuristic is valid on random clusters, mixes and loads', (t) => {
    const shape = shapeOf(tb.deployments);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 0, max: 1e6 }),
        fc.double({ min: 0.2, max: 2.5, noNaN: true }),
        fc.boolean(),
        (nodes, seed, load, withCpuOnly) => {
          const cluster = generateCluster({
            nodes,
            seed,
            types: withCpuOnly ? [...PAPER_NODE_TYPES, ...CPU_ONLY_TYPES] : PAPER_NODE_TYPES,
          });
          const deployments = generateDeployments({ shape, totalFps: 25 * nodes * load, seed: seed + 1 });
          for (const strategy of HEURISTICS) planValid({ ...tb, cluster, deployments }, { strategy });
        },
      ),
      propertyParams(25, (l) => t.diagnostic(l)),
    );
  });

  it('every heuristic is valid with another headroom', () => {
    for (const strategy of HEURISTICS) planValid(tb, { strategy, headroom: 0.3 });
  });
});

describe('adversarial workloads', () => {
  it('one giant deployment is rejected with its demand against what is free; the rest still fit', () => {
    const w: Workload = {
      ...tb,
      deployments: [
        { name: 'giant', app: 'face', fps: 5000, latencyMs: 1000, priority: 9 },
        ...tb.deployments.slice(0, 3),
      ],
    };
    for (const strategy of HEURISTICS) {
      const plan = planValid(w, { strategy });
      const giant = plan.rejected.find((r) => r.deployment === 'giant');
      assert.ok(giant, `${strategy} rejects the giant`);
      assert.match(giant.reason, /needs [\d.]+ GPUs of .*-class capacity.*, [\d.]+ free/);
    }
    assert.equal(admitted(planValid(w, { strategy: 'rim' })).size, 3);
  });

  it('all-CPU cluster: CPU apps run on cores, GPU apps are rejected for want of a GPU', async () => {
    const cpuApp = parseManifest({
      apiVersion: 'rim/v1',
      name: 'audio',
      entry: 'vad',
      modules: [
        { name: 'vad', accelerator: 'cpu', next: ['asr'], frameKB: 4 },
        { name: 'asr', accelerator: 'cpu', next: [] },
      ],
    });
    const w: Workload = {
      cluster: {
        nodes: [
          { id: 'c1', cpus: 4, memoryMB: 8192, accelerators: [] },
          { id: 'c2', cpus: 2, memoryMB: 4096, accelerators: [] },
        ],
        network: NET,
      },
      apps: [cpuApp, ...tb.apps],
      profiles: [
        ...tb.profiles,
        prof('audio', 'vad', 'cpu', 200, 2, { cpuCores: 1 }),
        prof('audio', 'asr', 'cpu', 20, 40, { cpuCores: 1 }),
      ],
      deployments: [
        { name: 'mic-1', app: 'audio', fps: 20, latencyMs: 500 },
        { name: 'mic-2', app: 'audio', fps: 30, latencyMs: 500 },
        { name: 'cam-1', app: 'face', fps: 10, latencyMs: 1000 },
      ],
    };
    for (const strategy of HEURISTICS) {
      const plan = planValid(w, { strategy });
      assert.match(plan.rejected.find((r) => r.deployment === 'cam-1')!.reason, /needs a GPU and the cluster has none/);
    }
    const rim = planValid(w, { strategy: 'rim' });
    assert.deepEqual([...admitted(rim)].sort(), ['mic-1', 'mic-2']);
    assert.ok(rim.placements.every((x) => x.accelerator === 'cpu'));
    planValid(w, { strategy: 'optimal', solver: await milpSolver(), timeLimitMs: 3000 });
  });

  it('profiles missing for a model: nothing runs there; missing everywhere: rejected, named', () => {
    const noTi = withoutProfiles(tb.profiles, 'traffic', 'detect', 'RTX 2080 Ti');
    const w: Workload = { ...tb, profiles: noTi, deployments: tb.deployments.filter((d) => d.app === 'traffic') };
    for (const strategy of HEURISTICS) {
      const plan = planValid(w, { strategy });
      const onTi = plan.placements.filter(
        (x) =>
          x.module === 'detect' &&
          tb.cluster.nodes.some((n) => n.accelerators.some((a) => a.id === x.accelerator && a.model === 'RTX 2080 Ti')),
      );
      assert.deepEqual(onTi, [], strategy);
    }
    const none: Workload = { ...w, profiles: withoutProfiles(tb.profiles, 'traffic', 'classify') };
    for (const strategy of HEURISTICS) {
      const plan = planValid(none, { strategy });
      assert.equal(plan.placements.length, 0);
      assert.match(plan.rejected[0]!.reason, /no profile for module classify of traffic/);
    }
  });

  it('a DAG wider than any node is split across nodes by rim, and stays valid everywhere', () => {
    const mods = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'];
    const w: Workload = {
      cluster: { nodes: [1, 2, 3, 4].map((i) => gpuNode(`n${i}`, [['A', 8000]], 4)), network: NET },
      apps: [chainApp('wide', mods)],
      profiles: [
        prof('wide', 'decode', 'cpu', 200, 2),
        ...mods.map((m) => prof('wide', m, 'A', 60, 5, { gpuMemoryMB: 3500 })),
      ],
      deployments: [{ name: 'w1', app: 'wide', fps: 5, latencyMs: 500 }],
    };
    for (const strategy of HEURISTICS) planValid(w, { strategy });
    const rim = planValid(w, { strategy: 'rim' });
    assert.equal(admitted(rim).size, 1);
    assert.ok(
      new Set(rim.placements.map((x) => x.node)).size >= 3,
      'six 3.5 GB replicas need at least three 8 GB GPUs',
    );
  });

  it('an unknown app and an empty deployment list are handled', () => {
    const w: Workload = { ...tb, deployments: [{ name: 'ghost', app: 'nope', fps: 5, latencyMs: 100 }] };
    for (const strategy of HEURISTICS)
      assert.match(planValid(w, { strategy }).rejected[0]!.reason, /app nope is not registered/);
    for (const strategy of HEURISTICS)
      assert.deepEqual(planValid({ ...tb, deployments: [] }, { strategy }).placements, []);
  });
});
