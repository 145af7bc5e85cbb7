/**
 * The shared validator finds every kind of broken plan, and the latency
 * estimate follows docs/design.md's formula (loaded latency, cross-node edges,
 * longest path, slowest share).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimateLatency } from '../../../../src/domain/placement/latency.js';
import { buildProblem } from '../../../../src/domain/placement/problem.js';
import { validatePlan, type Violation } from '../../../../src/domain/placement/validator.js';
import type { Plan, Placement, Profile } from '../../../../src/domain/types.js';
import { chainApp, gpuNode, NET, planValid, prof, type Workload } from './fixtures.js';

function world(over: { profiles?: Profile[]; cpus?: number; target?: number; fps?: number[] } = {}): Workload {
  return {
    cluster: {
      nodes: [gpuNode('n1', [['A', 8000]], over.cpus ?? 8), gpuNode('n2', [['A', 8000]], over.cpus ?? 8)],
      network: NET,
    },
    apps: [chainApp('app', ['det'])],
    profiles: over.profiles ?? [
      prof('app', 'decode', 'cpu', 100, 4, { cpuCores: 1 }),
      prof('app', 'det', 'A', 20, 20, { gpuMemoryMB: 2000 }),
    ],
    deployments: (over.fps ?? [10]).map((fps, i) => ({
      name: `d${i + 1}`,
      app: 'app',
      fps,
      latencyMs: over.target ?? 500,
    })),
  };
}

const row = (deployment: string, module: string, node: string, accelerator: string, fps: number): Placement => ({
  deployment,
  module,
  node,
  accelerator,
  fps,
});

function check(w: Workload, placements: Placement[], rejected: Plan['rejected'] = []): Violation[] {
  const plan: Plan = { strategy: 'hand', placements, rejected, latencyMs: {}, utilisation: {}, solveMs: 0 };
  return validatePlan(buildProblem(w.cluster, w.apps, w.profiles, w.deployments), plan);
}
const rules = (v: Violation[]) => new Set(v.map((x) => x.rule));

describe('validatePlan', () => {
  it('passes what rim plans, with reports that match', () => {
    const plan = planValid(world({ fps: [10, 5] }), { strategy: 'rim' });
    assert.equal(plan.placements.length, 4);
  });

  it('finds a module that does not serve the full fps', () => {
    const v = check(world(), [row('d1', 'decode', 'n1', 'cpu', 10), row('d1', 'det', 'n1', 'n1-gpu0', 5)]);
    assert.ok(rules(v).has('fps'), JSON.stringify(v));
  });

  it('finds a GPU over 1 − headroom', () => {
    const w = world({ fps: [10, 9] });
    const v = check(w, [
      row('d1', 'decode', 'n1', 'cpu', 10),
      row('d1', 'det', 'n1', 'n1-gpu0', 10),
      row('d2', 'decode', 'n1', 'cpu', 9),
      row('d2', 'det', 'n1', 'n1-gpu0', 9),
    ]);
    assert.ok(rules(v).has('gpu'), JSON.stringify(v));
  });

  it('finds a node over its cores, memory and GPU memory', () => {
    const w = world({
      cpus: 1,
      profiles: [
        prof('app', 'decode', 'cpu', 10, 4, { cpuCores: 1, memoryMB: 40000 }),
        prof('app', 'det', 'A', 20, 20, { gpuMemoryMB: 9000 }),
      ],
    });
    const v = check(w, [row('d1', 'decode', 'n1', 'cpu', 10), row('d1', 'det', 'n1', 'n1-gpu0', 10)]);
    for (const r of ['cores', 'memory', 'gpu-memory'])
      assert.ok(rules(v).has(r as Violation['rule']), `${r}: ${JSON.stringify(v)}`);
  });

  it("counts a replica's memory once however many deployments share it", () => {
    const w = world({
      fps: [4, 4],
      profiles: [prof('app', 'decode', 'cpu', 100, 4), prof('app', 'det', 'A', 20, 20, { gpuMemoryMB: 5000 })],
    });
    const placements = ['d1', 'd2'].flatMap((d) => [
      row(d, 'decode', 'n1', 'cpu', 4),
      row(d, 'det', 'n1', 'n1-gpu0', 4),
    ]);
    assert.ok(!rules(check(w, placements)).has('gpu-memory'));
  });

  it('finds a latency estimate over the target', () => {
    const v = check(world({ target: 30 }), [
      row('d1', 'decode', 'n1', 'cpu', 10),
      row('d1', 'det', 'n1', 'n1-gpu0', 10),
    ]);
    assert.ok(rules(v).has('latency'), JSON.stringify(v));
  });

  it('finds bad references and bad admission bookkeeping', () => {
    const w = world({ fps: [10, 10] });
    const v1 = check(w, [row('d1', 'decode', 'n1', 'cpu', 10), row('d1', 'det', 'n1', 'n9-gpu0', 10)]);
    assert.ok(rules(v1).has('reference'));
    const v2 = check(w, [row('d1', 'decode', 'n1', 'n1-gpu0', 10), row('d1', 'det', 'n1', 'cpu', 10)]);
    assert.ok(
      v2.some((x) => x.message.includes('CPU module placed on n1-gpu0')),
      JSON.stringify(v2),
    );
    const v3 = check(
      w,
      [row('d1', 'decode', 'n1', 'cpu', 10), row('d1', 'det', 'n1', 'n1-gpu0', 10)],
      [{ deployment: 'd1', reason: 'no room at all here' }],
    );
    assert.ok(v3.some((x) => x.message.includes('d1: both placed and rejected')));
    assert.ok(v3.some((x) => x.message.includes('d2: neither placed nor rejected')));
  });
});

describe('estimateLatency', () => {
  const w = world({ fps: [10] });
  const p = buildProblem(w.cluster, w.apps, w.profiles, w.deployments);
  const app = p.apps.get('app')!;
  const gpu = (node: number) => p.nodes[node]!.gpuSlots[0]!;
  const cpu = (node: number) => p.nodes[node]!.cpuSlot;

  it('adds latency/(1−u) per module and, away from the entry box, (in + out KB)·8/bandwidth + rtt', () => {
    const util = (s: number) => (s === gpu(1) ? 0.5 : s === cpu(0) ? 0.25 : 0);
    const local = estimateLatency(
      p,
      app,
      [
        { dep: 0, module: 0, variant: 'default', slot: cpu(1), fps: 10 },
        { dep: 0, module: 1, variant: 'default', slot: gpu(1), fps: 10 },
      ],
      util,
    );
    assert.equal(local, 4 + 20 / 0.5);
    const remote = estimateLatency(
      p,
      app,
      [
        { dep: 0, module: 0, variant: 'default', slot: cpu(0), fps: 10 },
        { dep: 0, module: 1, variant: 'default', slot: gpu(1), fps: 10 },
      ],
      util,
    );
    // det on n2, the frame received on n1 (decode's box): its request and answer (100 KB each) and a round trip.
    assert.ok(Math.abs(remote - (4 / 0.75 + 40 + (200 * 8) / 1000 + 0.5)) < 1e-9, String(remote));
  });

  it('counts the slowest share of a split module, and a missing module as never done', () => {
    const util = (s: number) => (s === gpu(0) ? 0.8 : 0.1);
    const split = estimateLatency(
      p,
      app,
      [
        { dep: 0, module: 0, variant: 'default', slot: cpu(0), fps: 10 },
        { dep: 0, module: 1, variant: 'default', slot: gpu(0), fps: 5 },
        { dep: 0, module: 1, variant: 'default', slot: gpu(1), fps: 5 },
      ],
      util,
    );
    // The slowest share: det on n1's loaded GPU (100 ms, no hop) over n2's (22 ms + 2.1 ms hop).
    assert.ok(Math.abs(split - (4 / 0.9 + 20 / 0.2)) < 1e-9, String(split));
    assert.equal(
      estimateLatency(p, app, [{ dep: 0, module: 0, variant: 'default', slot: cpu(0), fps: 10 }], util),
      Infinity,
    );
  });
});
