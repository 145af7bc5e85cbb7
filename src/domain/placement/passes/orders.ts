/**
 * The orders deployments go in, always highest priority first: within a
 * level, the cheapest in GPU per fps first (a full cluster admits the most
 * fps), the tightest latency target first (they need the idle
 * accelerators), or a seeded shuffle (more starts for the greedy pass).
 * O(D log D) each.
 */
import { type DeploymentInfo, type Problem, byPriority } from '../problem.js';
import { gpuPerFps } from '../reasons.js';
import { rng } from '../workload-gen.js';

export type Order = (p: Problem) => DeploymentInfo[];

/** Within a priority level, the least GPU per fps first (the most fps for the capacity). */
export const cheapestFirst: Order = (p) => {
  const cost = new Map<string, number>();
  for (const a of p.apps.keys()) {
    const per = p.models.map((m) => gpuPerFps(p, a, m)).filter((x): x is number => x !== undefined);
    cost.set(a, per.length ? Math.min(...per) : Infinity);
  }
  return byPriority(p).sort(
    (a, b) =>
      b.priority - a.priority ||
      cost.get(a.app)! - cost.get(b.app)! ||
      a.latencyMs - b.latencyMs ||
      b.fps - a.fps ||
      a.index - b.index,
  );
};

/** Within a priority level, the tightest latency target first (they need the idle accelerators). */
export const tightestFirst: Order = (p) =>
  byPriority(p).sort(
    (a, b) => b.priority - a.priority || a.latencyMs - b.latencyMs || b.fps - a.fps || a.index - b.index,
  );

/** Shuffled priority order (seeded): more starts for the greedy pass. */
export const shuffled =
  (seed: number): Order =>
  (p) => {
    const r = rng(seed);
    const keys = p.deployments.map(() => r());
    return byPriority(p).sort((a, b) => b.priority - a.priority || keys[a.index]! - keys[b.index]!);
  };
