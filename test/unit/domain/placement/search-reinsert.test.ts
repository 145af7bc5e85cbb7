import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freshPlan } from '../../../../src/domain/placement/passes/fresh-plan.js';
import { RoomMemo } from '../../../../src/domain/placement/passes/reinsert.js';
import { ruin } from '../../../../src/domain/placement/passes/ruin.js';
import type { SearchStats } from '../../../../src/domain/placement/passes/search.js';
import { buildProblem } from '../../../../src/domain/placement/problem.js';
import { rng } from '../../../../src/domain/placement/workload-gen.js';
import { generateCluster, generateDeployments, shapeOf } from '../../../../src/domain/placement/workload-gen.js';
import { testbed } from './fixtures.js';

describe("rim search: the re-inserts' pruning and failure memory, the ruin moves", () => {
  const tb = testbed();
  const file = () => buildProblem(tb.cluster, tb.apps, tb.profiles, tb.deployments);
  const cluster = generateCluster({ nodes: 6, seed: 3 });
  const deployments = generateDeployments({ shape: shapeOf(tb.deployments), totalFps: 6 * 35, seed: 3 });
  const small = () => buildProblem(cluster, tb.apps, tb.profiles, deployments);

  it('stops a step once it cannot be kept, and plans exactly as without stopping', () => {
    const on = {} as SearchStats;
    const off = {} as SearchStats;
    const a = freshPlan(small(), { steps: 60, memo: false, stats: on });
    const b = freshPlan(small(), { steps: 60, memo: false, prune: false, stats: off });
    assert.deepEqual(a.state.shares, b.state.shares);
    assert.deepEqual([...a.reasons].sort(), [...b.reasons].sort());
    assert.equal(off.pruned, 0);
    assert.ok(on.pruned > 0, `pruned ${on.pruned}`);
    assert.ok(on.tried < off.tried, `tries ${on.tried} against ${off.tried}`);
  });

  it('does not retry a failed re-insert while no node has more room', () => {
    const stats = {} as SearchStats;
    const none = {} as SearchStats;
    freshPlan(small(), { steps: 60, stats });
    freshPlan(small(), { steps: 60, memo: false, stats: none });
    assert.equal(none.skipped, 0);
    assert.ok(stats.skipped > 0, `skipped ${stats.skipped}`);
    assert.ok(stats.failed < none.failed, `failed tries ${stats.failed} against ${none.failed}`);
  });

  it('remembers a failure until some node it could use has more room', () => {
    const p = file();
    const { state } = freshPlan(p, { steps: 0 });
    const rejected = p.deployments.find((d) => !state.isPlaced(d.index))!;
    const memo = new RoomMemo(state);
    memo.failed(rejected, { kind: 'room' }, false);
    assert.ok(memo.stillFails(rejected, false), 'nothing changed');
    assert.equal(memo.stillFails(rejected, true), undefined, 'a try with detours is wider than the one remembered');
    const tenant = p.deployments.find((d) => state.isPlaced(d.index))!;
    const shares = state.remove(tenant.index);
    assert.equal(memo.stillFails(rejected, false), undefined, 'a tenant left: more room');
    assert.equal(state.tryPlace(tenant.index, shares), undefined);
    assert.ok(memo.stillFails(rejected, false), 'the tenant is back: the same room as at the failure');
    memo.placed(rejected);
    assert.equal(memo.stillFails(rejected, false), undefined);
  });

  it('counts a failure for a deployment of the same app that needs no less (more fps, no looser target)', () => {
    const p = file();
    const { state } = freshPlan(p, { steps: 0 });
    const rejected = p.deployments.find((d) => !state.isPlaced(d.index))!;
    const other = p.deployments.find((d) => d.index !== rejected.index)!.index;
    const memo = new RoomMemo(state);
    memo.failed(rejected, { kind: 'room' }, false);
    const like = (fps: number, latencyMs: number) => ({ ...rejected, index: other, fps, latencyMs });
    assert.ok(memo.stillFails(like(rejected.fps + 5, rejected.latencyMs - 10), false));
    assert.equal(memo.stillFails(like(rejected.fps - 1, rejected.latencyMs), false), undefined, 'needs less fps');
    assert.equal(memo.stillFails(like(rejected.fps, rejected.latencyMs + 1), false), undefined, 'a looser target');
  });

  it('inTheWay lifts only tenants of a lower priority than the rejected deployment', () => {
    const p = file();
    const { state } = freshPlan(p, { steps: 0 });
    // A top-priority deployment taken out stands for a rejected one: lower tenants are in its way.
    const r = p.deployments.filter((d) => state.isPlaced(d.index)).sort((a, b) => b.priority - a.priority)[0]!;
    state.remove(r.index);
    const w = { room: 0, random: 0, inTheWay: 1, slack: 0 };
    const lifted = ruin(state, r, rng(1), 2, w);
    assert.ok(lifted.length > 0);
    for (const dep of lifted) assert.ok(p.deployments[dep]!.priority < r.priority, p.deployments[dep]!.name);
    // At the lowest priority nothing is below it: the move falls back to the roomiest nodes' tenants.
    const low = p.deployments.find((d) => state.isPlaced(d.index) && d.priority === 1)!;
    assert.ok(ruin(state, low, rng(1), 2, w).length > 0);
  });
});
