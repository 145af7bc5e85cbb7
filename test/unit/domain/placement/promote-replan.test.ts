/**
 * Demoted deployments get their full variant back when capacity returns (a
 * box joins, another deployment leaves, its load falls), on a re-plan with
 * the previous plan, without moving any other deployment's replicas.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment, Plan } from '../../../../src/domain/types.js';
import { admitted, chainApp, gpuNode, NET, planValid, prof, type Workload } from './fixtures.js';

const dep = (name: string, fps: number, priority = 0): Deployment => ({
  name,
  app: 'cam',
  fps,
  latencyMs: 1000,
  priority,
});

/** One GPU "A" per node; det at full quality 20 fps per GPU, tiny 60. */
const workload = (nodes: string[], deployments: Deployment[]): Workload => ({
  cluster: { nodes: nodes.map((n) => gpuNode(n, [['A', 8000]])), network: NET },
  apps: [chainApp('cam', ['det', 'cls'], { variants: { det: 'tiny' } })],
  profiles: [
    prof('cam', 'decode', 'cpu', 200, 2),
    prof('cam', 'det', 'A', 20, 20),
    { ...prof('cam', 'det', 'A', 60, 8), variant: 'tiny' },
    prof('cam', 'cls', 'A', 200, 3),
  ],
  deployments,
});

const of = (plan: Plan, d: string) => plan.placements.filter((p) => p.deployment === d);
/** The variants det runs as (the other modules have none). */
const variants = (plan: Plan, d: string) => [
  ...new Set(
    of(plan, d)
      .filter((p) => p.module === 'det')
      .map((p) => p.variant ?? 'default'),
  ),
];
const where = (plan: Plan, d: string) =>
  of(plan, d)
    .map((p) => JSON.stringify([p.module, p.variant, p.node, p.accelerator, p.fps]))
    .sort();

describe('promotion when capacity returns', () => {
  // keep (priority 5) runs at full quality; big only fits on what is left as tiny.
  const crowded = [dep('keep', 8, 5), dep('big', 16)];
  const first = planValid(workload(['n1'], crowded), { strategy: 'rim' });

  it('starts with big demoted and keep at full quality', () => {
    assert.deepEqual([...admitted(first)].sort(), ['big', 'keep']);
    assert.deepEqual(variants(first, 'big'), ['tiny']);
    assert.deepEqual(variants(first, 'keep'), ['default']);
  });

  for (const [why, w] of [
    ['a box joins', workload(['n1', 'n2'], crowded)],
    ['its load falls', workload(['n1'], [dep('keep', 8, 5), dep('big', 4)])],
  ] as const) {
    it(`${why}: big is promoted back to full quality; keep's replicas stay where they are`, () => {
      const next = planValid(w, { strategy: 'rim', replan: 'minimal' }, first);
      assert.deepEqual(variants(next, 'big'), ['default'], JSON.stringify(of(next, 'big')));
      assert.deepEqual(where(next, 'keep'), where(first, 'keep'));
    });
  }

  it('another deployment leaves: big is promoted back to full quality', () => {
    const next = planValid(workload(['n1'], [dep('big', 16)]), { strategy: 'rim', replan: 'minimal' }, first);
    assert.deepEqual(variants(next, 'big'), ['default'], JSON.stringify(of(next, 'big')));
  });
});

describe('no promotion after a loss', () => {
  // x runs on tiny on n1 with room there for its full variant; y runs on n2, which is then lost.
  const row = (deployment: string, module: string, node: string, fps: number, variant?: string) => ({
    deployment,
    module,
    node,
    accelerator: module === 'decode' ? 'cpu' : `${node}-gpu0`,
    fps,
    ...(variant ? { variant } : {}),
  });
  const previous: Plan = {
    strategy: 'rim',
    placements: [
      row('x', 'decode', 'n1', 8),
      row('x', 'det', 'n1', 8, 'tiny'),
      row('x', 'cls', 'n1', 8),
      row('y', 'decode', 'n2', 16),
      row('y', 'det', 'n2', 16),
      row('y', 'cls', 'n2', 16),
    ],
    rejected: [],
    latencyMs: {},
    // Every node's cores are listed: what says which nodes the previous plan knew.
    utilisation: { 'n1/n1-gpu0': 0.17, 'n1/cpu': 0.05, 'n2/n2-gpu0': 0.88, 'n2/cpu': 0.1 },
    solveMs: 0,
  };
  const deployments = [dep('x', 8), dep('y', 16)];

  for (const policy of ['minimal', 'admit-more'] as const) {
    it(`${policy}: y is re-placed on n1; x, which the loss did not touch, keeps every replica where it was`, () => {
      const next = planValid(workload(['n1'], deployments), { strategy: 'rim', replan: policy }, previous);
      assert.deepEqual([...admitted(next)].sort(), ['x', 'y']);
      assert.deepEqual(where(next, 'x'), where(previous, 'x'));
      assert.equal(next.replan, 'kept');
    });
  }

  it('a box joins instead: x gets its full variant back (capacity came back)', () => {
    const next = planValid(workload(['n1', 'n2', 'n3'], deployments), { strategy: 'rim', replan: 'minimal' }, previous);
    assert.deepEqual(variants(next, 'x'), ['default'], JSON.stringify(of(next, 'x')));
    assert.deepEqual(where(next, 'y'), where(previous, 'y'));
  });
});
