/**
 * The leader's side of a task measured on another box. The box answers the
 * signed `POST /v1/peer/profile` with 202, runs the profiling containers
 * itself and writes the result into the replicated document (ClusterNode's
 * update path), tagged with the task's id. The leader only watches the
 * document: the result appears, or the box is declared dead (the task goes
 * back to the queue), or nothing comes within the deadline.
 */
import type { ProfileTarget } from '../domain/profiling/profile-key.js';
import type { ClusterDocument } from '../domain/types.js';
import { sleep } from '../sleep.js';
import type { TaskOutcome } from './profile-run.js';

/** A task as the peer API carries it (peer-messages.ts validates it). */
export interface ProfileTaskMessage {
  /** Unique per dispatch: the stored result carries it as `detail.task`. */
  task: string;
  target: ProfileTarget;
  acceleratorId?: string;
  shared: boolean;
}

/** What the profiler needs of the cluster (ClusterNode builds it). */
export interface ProfilingCluster {
  /** The newest document this node holds: members, plan, profiles. */
  doc(): ClusterDocument | undefined;
  isLeader(): boolean;
  /** POST /v1/peer/profile to `node`; resolves once it accepted, rejects with the reason otherwise. */
  send(node: string, message: ProfileTaskMessage): Promise<void>;
}

export interface RemoteWait {
  /** No result within this long: the task fails (and is tried again on the next check). */
  timeoutMs: number;
  pollMs?: number;
}

export async function runRemote(
  cluster: ProfilingCluster,
  node: string,
  message: ProfileTaskMessage,
  wait: RemoteWait,
  signal: AbortSignal,
): Promise<TaskOutcome> {
  try {
    await cluster.send(node, message);
  } catch (e) {
    return { failed: `box ${node} did not take the task: ${(e as Error).message}` };
  }
  const deadline = Date.now() + wait.timeoutMs;
  while (!signal.aborted) {
    const doc = cluster.doc();
    const profile = doc?.profiles.find((p) => p.detail?.task === message.task);
    if (profile) return { profile };
    const member = doc?.members.find((m) => m.id === node);
    if (!member || member.state === 'dead' || member.state === 'left') {
      const why = member ? `declared ${member.state}` : 'no longer a member';
      return { lost: `box ${node} was lost while profiling (${why})` };
    }
    if (!cluster.isLeader()) return { failed: 'this node stopped leading; the new leader takes the queue over' };
    if (Date.now() > deadline) {
      return { failed: `no result from box ${node} within ${Math.round(wait.timeoutMs / 1000)} s` };
    }
    await sleep(wait.pollMs ?? 250, signal).catch(() => undefined);
  }
  return { failed: 'profiling stopped' };
}
