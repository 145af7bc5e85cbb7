/**
 * rim's re-packing (passes/repack.ts): a tight deployment that holds a slow GPU at a low utilisation cap
 * (room no tenant can use) moves to where its candidates leave the most usable room, and a rejected
 * deployment then fits in what that freed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterState } from '../../../../src/domain/placement/cluster-state.js';
import { buildDraft, SlotIndex } from '../../../../src/domain/placement/passes/drafts.js';
import { repack, usableRoom } from '../../../../src/domain/placement/passes/repack.js';
import { chainShares, fastSlowProblem } from './fixtures.js';

/** fixtures.ts's fast and slow GPUs: `tight` 10 fps within 30 ms; `bulk` 120 fps within 1 s: 1.2 GPUs. */
function problem() {
  return fastSlowProblem([
    { name: 'tight', app: 'tight', fps: 10, latencyMs: 30, priority: 2 },
    { name: 'bulk', app: 'bulk', fps: 120, latencyMs: 1000, priority: 1 },
  ]);
}

describe('rim, re-packing', () => {
  it('moves a tight deployment off the GPU it locks, and a rejected one fits in the room freed', () => {
    const p = problem();
    const state = new ClusterState(p);
    const [f, s] = p.nodes[0]!.gpuSlots as [number, number];
    const cpu = p.nodes[0]!.cpuSlot;
    // tight on S: load 0.2, cap ~0.31 there; usable room 0.9 (F) + ~0.11 (S) < the 1.2 GPUs bulk needs.
    const onS = chainShares(0, cpu, s, 10);
    assert.equal(state.tryPlace(0, onS), undefined);
    assert.ok(state.cap[s]! < 0.35, `cap on S ${state.cap[s]}`);
    const before = usableRoom(state);
    assert.ok(before < 1.2, `usable room ${before}`);
    const reasons = new Map<number, string>([[1, 'no room']]);
    const moved = repack(state, reasons, [...p.deployments]);
    assert.equal(moved, 1);
    assert.ok(
      state.shares[0]!.some((x) => x.slot === f && x.module === 1),
      JSON.stringify(state.shares[0]),
    );
    assert.ok(state.isPlaced(1), 'bulk admitted after the re-pack');
    assert.ok(!reasons.has(1));
    for (const d of p.deployments) assert.ok(state.latencyOf(d.index) <= d.latencyMs + 1e-9, d.name);
  });

  it('keeps a deployment where no candidate leaves more usable room', () => {
    const p = problem();
    const state = new ClusterState(p);
    const f = p.nodes[0]!.gpuSlots[0]!;
    const cpu = p.nodes[0]!.cpuSlot;
    const onF = chainShares(0, cpu, f, 10);
    assert.equal(state.tryPlace(0, onF), undefined);
    const moved = repack(state, new Map(), [p.deployments[0]!]);
    assert.equal(moved, 0);
    assert.deepEqual(
      state.shares[0]!.map((x) => x.slot),
      onF.map((x) => x.slot),
    );
  });

  it('has a level split that takes the GPUs of the highest level first, not the ones in use', () => {
    const p = problem();
    const state = new ClusterState(p);
    const [f, s] = p.nodes[0]!.gpuSlots as [number, number];
    const cpu = p.nodes[0]!.cpuSlot;
    // bulk (loose) at 20 fps on S: S is in use at 0.2, F idle.
    const bulk = chainShares(1, cpu, s, 20);
    assert.equal(state.tryPlace(1, bulk), undefined);
    const d = p.deployments[0]!;
    const gpus = (mode: 'level' | 'levelHigh') => [
      ...new Set(
        buildDraft(state, new SlotIndex(p), d, ['default', 'default'], mode)!
          .shares.filter((x) => x.module === 1)
          .map((x) => x.slot),
      ),
    ];
    // The usual level split fills S (in use) to its level (~0.26) first; the highest-level one uses F alone.
    assert.ok(gpus('level').includes(s), JSON.stringify(gpus('level')));
    assert.deepEqual(gpus('levelHigh'), [f]);
  });
});
