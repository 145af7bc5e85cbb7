/**
 * What an operator sees for each assigned replica, derived from the target,
 * what Docker shows and the restart book. Pure.
 */
import { acceleratorIdOf } from '../replica-spec.js';
import type { Assignment, ObservedReplica, ReplicaStatus } from '../types.js';
import { isCrashLooping, nextStartAt, restartsOf, type RestartBook } from './restart-book.js';

export function replicaStatuses(
  target: Assignment | undefined,
  current: readonly ObservedReplica[],
  book: RestartBook,
  now: number,
): ReplicaStatus[] {
  if (!target) return [];
  const byName = new Map(current.filter((o) => o.role !== 'profiling').map((o) => [o.name, o]));
  return target.replicas
    .filter((r) => r.role !== 'profiling')
    .map((spec) => {
      const o = byName.get(spec.name);
      const entry = book[spec.name];
      const s: ReplicaStatus = {
        name: spec.name,
        app: spec.app,
        module: spec.module,
        variant: spec.variant,
        port: spec.port,
        accelerator: acceleratorIdOf(spec.accelerator),
        state: 'pending',
        restarts: restartsOf(entry),
      };
      if (!o || o.specHash !== spec.specHash) return s;
      s.containerId = o.containerId;
      if (o.finishedAt !== undefined && o.status !== 'running')
        s.lastExit = { ...(o.exitCode !== undefined ? { code: o.exitCode } : {}), at: o.finishedAt };
      if (o.status === 'running' || o.status === 'paused') {
        s.state = 'running';
      } else if (o.status === 'restarting' || (o.status === 'created' && !entry)) {
        s.state = 'starting';
      } else if (o.status === 'removing' || o.status === 'dead') {
        s.state = 'stopped';
      } else {
        s.state = isCrashLooping(entry) ? 'crash-loop' : 'backoff';
        s.nextRestartAt = Math.max(now, nextStartAt(entry, o));
      }
      return s;
    });
}
