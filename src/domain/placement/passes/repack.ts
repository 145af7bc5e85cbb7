/**
 * Re-packing (issue #11, round 9): a placed deployment that holds GPUs below
 * the headroom cap for its latency target (no tenant can join them: room
 * locked by latency) is lifted and re-placed by each of its candidates
 * (place-deployment.ts, the level split included, and a level split on
 * the GPUs whose level is highest first: fast models) at its own variant level;
 * the candidate that leaves the most usable GPU room (per GPU, what is free
 * below both the headroom and its tenants' latency cap) wins when it leaves
 * more than the deployment's own shares did, else the old shares go back.
 * Then the rejected deployments get the greedy pass and the last chance in
 * the room that freed. Admission never falls: every deployment placed stays
 * placed (its old shares fit the state they came from).
 * O(repacked · candidates · (draft + tryPlace + G)).
 */
import type { ClusterState } from '../cluster-state.js';
import type { Share } from '../latency.js';
import type { DeploymentInfo } from '../problem.js';
import { SlotIndex } from './drafts.js';
import { greedy } from './greedy.js';
import { lastChance } from './last-chance.js';
import { levelSwaps } from './level-swap.js';
import { type Candidate, candidateTries, tryWithDetours } from './place-deployment.js';
import { variantLevels } from './variant-levels.js';

const EPS = 1e-9;
/** A GPU counts as locked when its cap leaves at least this much below the headroom cap unusable. */
const LOCK_MIN = 0.05;
/** A re-placement is kept only when it frees at least this much usable GPU room (in GPUs). */
const GAIN_MIN = 0.01;

/** Usable GPU room: per GPU, what is free below the headroom cap and its tenants' latency cap. O(GPU slots). */
export function usableRoom(state: ClusterState): number {
  const p = state.p;
  const top = 1 - p.headroom;
  let room = 0;
  for (const s of p.slots) {
    if (!s.gpu) continue;
    const free = Math.min(state.cap[s.index]!, top) - state.gpuLoad[s.index]!;
    if (free > 0) room += free;
  }
  return room;
}

/** Whether a placed deployment holds some GPU whose latency cap locks room below the headroom cap. */
function locks(state: ClusterState, d: DeploymentInfo): boolean {
  const top = 1 - state.p.headroom;
  return state.shares[d.index]!.some((s) => state.p.slots[s.slot]!.gpu && state.cap[s.slot]! < top - LOCK_MIN);
}

/**
 * Re-places each placed deployment of `order` that locks GPU room where its candidates leave more usable room,
 * then re-runs the greedy pass (lightest variants first, level splits) and the last chance on what is still
 * rejected. Returns how many deployments moved.
 */
export function repack(state: ClusterState, reasons: Map<number, string>, order: DeploymentInfo[]): number {
  const p = state.p;
  const index = new SlotIndex(p);
  // Swaps first (a tight deployment onto the GPUs where its level is high, their tenants elsewhere), then moves.
  let moved = levelSwaps(state, order, reasons, usableRoom);
  for (const d of order) {
    if (!state.isPlaced(d.index) || !locks(state, d)) continue;
    const levels = variantLevels(p, d.app);
    const shares = state.shares[d.index]!;
    const current = levels.find((l) => shares.every((s) => l[s.module] === s.variant));
    if (!current) continue;
    const before = usableRoom(state);
    const old = state.remove(d.index);
    const back = (): void => {
      // The state is as it was, so the old shares fit; tolerate float drift.
      if (state.tryPlace(d.index, old)) state.addShares(d.index, old);
    };
    // The usual candidates, and a level split on the GPUs whose level is highest (fast models) first.
    const list: Candidate[] = [...candidateTries(state, d, current, { level: true }).list, { mode: 'levelHigh' }];
    let best: { room: number; shares: Share[] } | undefined;
    for (const c of list) {
      if (tryWithDetours(state, index, d, current, c.mode, c.nodes, 0)) continue;
      const room = usableRoom(state);
      const placed = state.remove(d.index);
      if (!best || room > best.room + EPS) best = { room, shares: placed };
    }
    if (best && best.room > before + GAIN_MIN && !state.tryPlace(d.index, best.shares)) {
      moved++;
      continue;
    }
    back();
  }
  greedy(state, reasons, order, undefined, true, true);
  lastChance(state, reasons, order);
  return moved;
}
