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
