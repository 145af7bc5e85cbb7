/**
 * The supervisor's decision: given the managed containers Docker shows and
 * the node's assignment, the steps that bring the one to the other. Pure.
 *
 * - A container whose name and spec hash match a target replica is adopted
 *   (after an appliance restart, even kill -9, nothing is duplicated).
 * - A managed replica container that is not assigned, or whose spec hash is
 *   stale (drift), is stopped and removed; its successor is created once the
 *   name is free.
 * - A replica joined to another sandbox than the node's current one (it was
 *   created anew, or the replica predates the fence: `sandbox` unknown) is
 *   drift too: its network is gone or unfenced, so it is replaced.
 * - A stopped replica is started again after its backoff (restart-book.ts).
 * - Profiling replicas belong to the profiler: never touched here.
 */
import type { Assignment, ObservedReplica, ReplicaSpec } from '../types.js';
import { nextStartAt, type RestartBook } from './restart-book.js';
import { STEP_ORDER, type Step } from './steps.js';

const LIVE = new Set(['running', 'restarting', 'paused']);

function stepsForMatched(o: ObservedReplica, book: RestartBook, now: number): Step[] {
  switch (o.status) {
    case 'running':
    case 'restarting':
    case 'paused':
    case 'removing':
      return [];
    case 'dead':
      return [{ kind: 'remove', containerId: o.containerId, name: o.name }];
    case 'created':
    case 'exited': {
      const entry = book[o.name];
      // A container never started by this supervisor and never run: start it now.
      if (!entry && o.status === 'created' && o.finishedAt === undefined) {
        return [{ kind: 'start', containerId: o.containerId, name: o.name }];
      }
      const at = nextStartAt(entry, o);
      return at <= now
        ? [{ kind: 'start', containerId: o.containerId, name: o.name }]
        : [{ kind: 'wait', until: at, name: o.name }];
    }
  }
}

/** `sandbox`: the id of the node's sandbox now; unset: not known yet (no replica is judged by it). */
export function nextSteps(
  current: readonly ObservedReplica[],
  target: Assignment,
  book: RestartBook,
  now: number,
  sandbox?: string,
): Step[] {
  const wanted = new Map<string, ReplicaSpec>(
    target.replicas.filter((r) => r.role !== 'profiling').map((r) => [r.name, r]),
  );
  const steps: Step[] = [];
  const present = new Set<string>();
  for (const o of current) {
    if (o.role === 'profiling') continue;
    present.add(o.name);
    const t = wanted.get(o.name);
    const fenced = sandbox === undefined || o.sandbox === sandbox;
    if (t && t.specHash === o.specHash && t.node === o.node && fenced) {
      steps.push(...stepsForMatched(o, book, now));
      continue;
    }
    if (LIVE.has(o.status)) steps.push({ kind: 'stop', containerId: o.containerId, name: o.name });
    if (o.status !== 'removing') steps.push({ kind: 'remove', containerId: o.containerId, name: o.name });
  }
  for (const t of wanted.values()) {
    if (!present.has(t.name)) steps.push({ kind: 'create', spec: t });
  }
  return steps.sort((a, b) => STEP_ORDER[a.kind] - STEP_ORDER[b.kind] || nameOf(a).localeCompare(nameOf(b)));
}

const nameOf = (s: Step): string => (s.kind === 'create' ? s.spec.name : s.name);

/**
 * Profiling containers created before this appliance process started belong
 * to a previous one (its profiler died with it): remove them. Ones created
 * since (`createdAt >= since`) are the live profiler's.
 */
export function orphanedProfilingReplicas(current: readonly ObservedReplica[], since = Infinity): Step[] {
  return current
    .filter(
      (o) => o.role === 'profiling' && o.status !== 'removing' && (o.createdAt === undefined || o.createdAt < since),
    )
    .map((o): Step => ({ kind: 'remove', containerId: o.containerId, name: o.name }));
}

/** The earliest `wait` of a round, if any: when the loop should look again. */
export function earliestWait(steps: readonly Step[]): number | undefined {
  const waits = steps.flatMap((s) => (s.kind === 'wait' ? [s.until] : []));
  return waits.length ? Math.min(...waits) : undefined;
}
