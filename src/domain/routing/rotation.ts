/**
 * Which replicas are in rotation (may be sent frames), as pure rules:
 * a replica is in rotation only when Docker says it runs, its node is an
 * alive member (a suspect or dead box is out at once, before any re-plan),
 * and its own `/healthz` has answered. How often a replica is probed and
 * when it enters or leaves rotation follow from its last probes.
 */
import type { Member, ReplicaStatus } from '../types.js';

/** What the health prober knows of a replica: `unprobed` until its first probe ends. */
export type Health = 'ready' | 'not-ready' | 'unprobed';

export interface RotationInput {
  replica: string;
  node: string;
  replicaState: ReplicaStatus['state'];
  /** undefined: this node itself (always alive to its own router). */
  memberState?: Member['state'];
  health: Health;
}

/** undefined when the replica is in rotation, else why not (for the 503's message). */
export function outOfRotation(x: RotationInput): string | undefined {
  if (x.memberState !== undefined && x.memberState !== 'alive') {
    return `replica ${x.replica}: node ${x.node} is ${x.memberState}`;
  }
  if (x.replicaState !== 'running') return `replica ${x.replica} on ${x.node}: ${x.replicaState}`;
  if (x.health === 'unprobed') return `replica ${x.replica} on ${x.node}: health not checked yet`;
  if (x.health === 'not-ready') return `replica ${x.replica} on ${x.node}: /healthz does not answer 200 (not ready)`;
  return undefined;
}

export interface ProbeConfig {
  /** Probe period while a replica is not ready (or unprobed): it enters rotation within about this long. */
  notReadyEveryMs: number;
  /** Probe period once ready: a replica that stops answering leaves within failuresToLeave of these. */
  readyEveryMs: number;
  /** A probe that takes longer counts as a failure. */
  timeoutMs: number;
  /** Consecutive failed probes that take a ready replica out (1 would flap on one slow answer under load). */
  failuresToLeave: number;
  /** Stop probing replicas no frame needed for this long (nothing runs while no frame arrives). */
  idleAfterMs: number;
}

export const DEFAULT_PROBE: ProbeConfig = {
  notReadyEveryMs: 500,
  readyEveryMs: 2000,
  timeoutMs: 1000,
  failuresToLeave: 2,
  idleAfterMs: 30_000,
};

export interface ProbeState {
  health: Health;
  failures: number;
}

/** The state after one probe (`ok`: /healthz answered 2xx in time). */
export function afterProbe(s: ProbeState, ok: boolean, cfg: ProbeConfig): ProbeState {
  if (ok) return { health: 'ready', failures: 0 };
  const failures = s.failures + 1;
  if (s.health === 'ready' && failures < cfg.failuresToLeave) return { health: 'ready', failures };
  return { health: 'not-ready', failures };
}

/** A frame could not connect (refused, unreachable): the replica leaves rotation at once. */
export const afterConnectFailure = (s: ProbeState): ProbeState => ({ health: 'not-ready', failures: s.failures + 1 });

/** When to probe again after a probe that left the replica in `s`. */
export const probeDelay = (s: ProbeState, cfg: ProbeConfig): number =>
  s.health === 'ready' && s.failures === 0 ? cfg.readyEveryMs : cfg.notReadyEveryMs;
