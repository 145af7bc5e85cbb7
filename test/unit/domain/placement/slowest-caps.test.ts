/**
 * The latency caps (cluster-state.ts `cap`): a share faster than its module's slowest share does not set the
 * deployment's latency, so its GPU may fill up to the slowest's latency before the tenant's slack counts.
 * Issue #11, round 8: the remainder pieces of level and thin splits held GPUs at utilisation 0.1 that nothing
 * else could join.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterState } from '../../../../src/domain/placement/cluster-state.js';
import { buildProblem } from '../../../../src/domain/placement/problem.js';
import { chainApp, gpuNode, NET, prof } from './fixtures.js';

describe('latency caps', () => {
  it('let a share faster than its module’s slowest rise to it', () => {
    // det (10 ms, 20 fps per GPU) split 10 fps on GPU 0 (u 0.5: 20 ms) and 2 fps on GPU 1 (u 0.1: 11.1 ms);
    // target 21.05 ms, the estimate 21.04 (1 + 20, and the CPU's load): slack 0.01 ms. GPU 1 may rise to 0.5
    // (20 ms), not only to 0.1.
    const p = buildProblem(
      {
        nodes: [
          gpuNode('n1', [
            ['A', 8000],
            ['A', 8000],
          ]),
        ],
        network: NET,
      },
      [chainApp('cam', ['det'])],
      [prof('cam', 'decode', 'cpu', 1000, 1, { cpuCores: 0.01 }), prof('cam', 'det', 'A', 20, 10)],
      [{ name: 't', app: 'cam', fps: 12, latencyMs: 21.05 }],
    );
    const state = new ClusterState(p);
    const [g0, g1] = p.nodes[0]!.gpuSlots;
    const f = state.tryPlace(0, [
      { dep: 0, module: 0, variant: 'default', slot: p.nodes[0]!.cpuSlot, fps: 12 },
      { dep: 0, module: 1, variant: 'default', slot: g0!, fps: 10 },
      { dep: 0, module: 1, variant: 'default', slot: g1!, fps: 2 },
    ]);
    assert.equal(f, undefined, JSON.stringify(f));
    assert.ok(state.cap[g1!]! > 0.49, `cap ${state.cap[g1!]}`);
    assert.ok(state.cap[g0!]! < 0.51, `cap ${state.cap[g0!]}`);
  });
});
