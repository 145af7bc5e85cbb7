/**
 * Admission before quality: rim demotes a placed deployment to its lighter
 * variant when that lets a lower-priority one in (a greedy start with the
 * variant levels lightest first, and the search's re-inserts), and the
 * promotion pass gives quality back where it still fits.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterState } from '../../../../src/domain/placement/cluster-state.js';
import { greedyByLevel } from '../../../../src/domain/placement/passes/greedy.js';
import { search } from '../../../../src/domain/placement/passes/search.js';
import { buildProblem, byPriority } from '../../../../src/domain/placement/problem.js';
import type { Deployment, Plan } from '../../../../src/domain/types.js';
import { admitted, chainApp, gpuNode, NET, planValid, prof, type Workload } from './fixtures.js';

/**
 * One node, one GPU "A". `cam` (det: 20 fps per GPU at full quality, 60 as
 * tiny; cls 200) and `solid` (net: 20 fps per GPU, no lighter variant).
 * keep (cam, 10 fps, priority 5) takes 0.55 of the GPU at full quality,
 * 0.22 as tiny; low (solid, 8 fps, priority 1) needs 0.4: together they fit
 * under the 0.9 cap only with keep demoted.
 */
const workload = (deployments: Deployment[]): Workload => ({
  cluster: { nodes: [gpuNode('n1', [['A', 8000]])], network: NET },
  apps: [chainApp('cam', ['det', 'cls'], { variants: { det: 'tiny' } }), chainApp('solid', ['net'])],
  profiles: [
    prof('cam', 'decode', 'cpu', 200, 2),
    prof('cam', 'det', 'A', 20, 20),
    { ...prof('cam', 'det', 'A', 60, 8), variant: 'tiny' },
    prof('cam', 'cls', 'A', 200, 3),
    prof('solid', 'decode', 'cpu', 200, 2),
    prof('solid', 'net', 'A', 20, 20),
  ],
  deployments,
});
const keep: Deployment = { name: 'keep', app: 'cam', fps: 10, latencyMs: 1000, priority: 5 };
const low: Deployment = { name: 'low', app: 'solid', fps: 8, latencyMs: 1000, priority: 1 };
const detVariant = (plan: Plan) => plan.placements.find((x) => x.deployment === 'keep' && x.module === 'det')?.variant;

describe('rim: admission before quality', () => {
  it('demotes keep so that low gets in too', () => {
    const plan = planValid(workload([keep, low]), { strategy: 'rim' });
    assert.deepEqual([...admitted(plan)].sort(), ['keep', 'low']);
    assert.equal(detVariant(plan), 'tiny');
  });

  it('keeps full quality when nothing needs the room', () => {
    const plan = planValid(workload([keep]), { strategy: 'rim' });
    assert.equal(detVariant(plan) ?? 'default', 'default');
  });

  it('a greedy pass with the levels lightest first admits both; full quality first rejects low', () => {
    const w = workload([keep, low]);
    const p = buildProblem(w.cluster, w.apps, w.profiles, w.deployments);
    for (const lightFirst of [false, true]) {
      const state = new ClusterState(p);
      greedyByLevel(state, new Map(), byPriority(p), undefined, lightFirst);
      assert.equal(state.isPlaced(1), lightFirst, `lightFirst ${lightFirst}`);
    }
  });

  it("the search's re-inserts go lightest first: from the full-quality pass it finds room for low", () => {
    const w = workload([keep, low]);
    const p = buildProblem(w.cluster, w.apps, w.profiles, w.deployments);
    const state = new ClusterState(p);
    const reasons = new Map<number, string>();
    greedyByLevel(state, reasons, byPriority(p));
    assert.ok(!state.isPlaced(1));
    search(state, reasons, byPriority(p), { steps: 10, seed: 1 });
    assert.ok(state.isPlaced(0) && state.isPlaced(1));
    assert.equal(reasons.has(1), false);
  });
});
