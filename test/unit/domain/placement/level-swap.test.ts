/**
 * rim's level swaps (passes/level-swap.ts, issue #11 round 10): a tight deployment held on a slow GPU at a
 * low level, with a loose tenant on the fast GPU where its level is high, trades places with that tenant; the
 * room the slow GPU's cap locked is freed and a rejected deployment fits. Moving the tight one alone
 * (repack.ts's per-deployment move) cannot: the fast GPU is too loaded for its target.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterState } from '../../../../src/domain/placement/cluster-state.js';
import { levelSwaps, swapTargets } from '../../../../src/domain/placement/passes/level-swap.js';
import { repack, usableRoom } from '../../../../src/domain/placement/passes/repack.js';
import { chainShares, fastSlowProblem } from './fixtures.js';

/**
 * fixtures.ts's fast and slow GPUs: `tight` 10 fps within 30 ms; `loose` (80 fps of bulk) and `extra` (40 fps),
 * both within 1 s: 0.8 and 0.4 GPU.
 */
function problem() {
  return fastSlowProblem([
    { name: 'tight', app: 'tight', fps: 10, latencyMs: 30, priority: 2 },
    { name: 'loose', app: 'bulk', fps: 80, latencyMs: 1000, priority: 2 },
    { name: 'extra', app: 'bulk', fps: 40, latencyMs: 1000, priority: 1 },
  ]);
}

/** tight on S (load 0.2, cap ~0.31), loose on F (0.8): usable room 0.1 + ~0.11, less than extra's 0.4. */
function lockedState() {
  const p = problem();
  const state = new ClusterState(p);
  const [f, s] = p.nodes[0]!.gpuSlots as [number, number];
  const cpu = p.nodes[0]!.cpuSlot;
  assert.equal(state.tryPlace(0, chainShares(0, cpu, s, 10)), undefined);
  assert.equal(state.tryPlace(1, chainShares(1, cpu, f, 80)), undefined);
  assert.ok(state.cap[s]! < 0.35, `cap on S ${state.cap[s]}`);
  assert.ok(usableRoom(state) < 0.4, `usable room ${usableRoom(state)}`);
  return { p, state, f, s };
}

describe('rim, level swaps', () => {
  it("swaps a tight deployment onto the fast GPU where its level is high, its tenant onto the slow one's room", () => {
    const { p, state, f, s } = lockedState();
    assert.deepEqual(swapTargets(state, p.deployments[0]!, ['default', 'default']), [f]);
    const reasons = new Map<number, string>([[2, 'no room']]);
    const kept = levelSwaps(state, [...p.deployments], reasons, usableRoom);
    assert.equal(kept, 1);
    assert.ok(
      state.shares[0]!.some((x) => x.module === 1 && x.slot === f),
      JSON.stringify(state.shares[0]),
    );
    assert.ok(
      state.shares[1]!.some((x) => x.module === 1 && x.slot === s),
      JSON.stringify(state.shares[1]),
    );
    assert.ok(state.isPlaced(2), 'extra admitted in the room the swap freed');
    assert.ok(!reasons.has(2));
    for (const d of p.deployments) assert.ok(state.latencyOf(d.index) <= d.latencyMs + 1e-9, d.name);
  });

  it('lets the re-packing pass admit what a move of the tight deployment alone cannot', () => {
    const { p, state } = lockedState();
    const reasons = new Map<number, string>([[2, 'no room']]);
    repack(state, reasons, [...p.deployments]);
    assert.ok(state.isPlaced(0) && state.isPlaced(1), 'nothing placed is dropped');
    assert.ok(state.isPlaced(2), 'extra admitted');
  });

  it('keeps a tight deployment already on the GPU where its level is highest', () => {
    const p = problem();
    const state = new ClusterState(p);
    const [f] = p.nodes[0]!.gpuSlots as [number, number];
    const cpu = p.nodes[0]!.cpuSlot;
    const onF = chainShares(0, cpu, f, 10);
    assert.equal(state.tryPlace(0, onF), undefined);
    assert.deepEqual(swapTargets(state, p.deployments[0]!, ['default', 'default']), []);
    assert.equal(levelSwaps(state, [p.deployments[0]!], new Map(), usableRoom), 0);
    assert.deepEqual(state.shares[0], onF);
  });
});
