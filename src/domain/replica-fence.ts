/**
 * The fence around a replica: memory, pids and CPU limits, the user it runs
 * as and whether its root filesystem is read-only. Limits come from the
 * module's measured profile with a margin when one is known (the profile is
 * what placement counted on, so a replica that needs much more is broken,
 * not busy), and from sane defaults otherwise. Pure.
 */
import type { Manifest } from './manifest.js';

export interface ReplicaFence {
  /** Memory limit (no swap beyond it). */
  memoryMB: number;
  /** Processes and threads the container may hold. */
  pids: number;
  /** CPU quota (cores); none when unset (an accelerator binding may set its own). */
  cpus?: number;
  /** `root` when the manifest asks for it (`runAsRoot: true`); else unset: the image's non-root user, or nobody. */
  user?: 'root';
  /** Read-only root filesystem (a tmpfs at /tmp); the manifest may turn it off. */
  readOnlyRootFs: boolean;
}

/** What a profile says a module used: cores and memory at its measured rate. */
export interface MeasuredUse {
  cpuCores: number;
  memoryMB: number;
}

export const FENCE_DEFAULTS = {
  /** Without a profile: enough for the sample DNN and typical small models. */
  memoryMB: 2048,
  pids: 512,
  /** With a profile: limit = measured × factor + slack. */
  memoryFactor: 1.5,
  memorySlackMB: 128,
  cpuFactor: 1.5,
  minCpus: 0.5,
  minMemoryMB: 128,
  /**
   * Limits are rounded up to these steps: a re-measured profile that moves a
   * little keeps the same limits, so the spec hash (and the running replica) stays.
   */
  memoryStepMB: 128,
  cpuStep: 0.25,
} as const;

const stepUp = (x: number, step: number): number => Math.ceil(x / step - 1e-9) * step;

/** The user a root-less replica runs as when its image names none (or names root). */
export const NOBODY = '65534:65534';

export function fenceFor(
  manifest: Pick<Manifest, 'runAsRoot' | 'readOnlyRootFs'>,
  measured?: MeasuredUse,
): ReplicaFence {
  const d = FENCE_DEFAULTS;
  const fence: ReplicaFence = {
    memoryMB: measured
      ? Math.max(d.minMemoryMB, stepUp(measured.memoryMB * d.memoryFactor + d.memorySlackMB, d.memoryStepMB))
      : d.memoryMB,
    pids: d.pids,
    readOnlyRootFs: manifest.readOnlyRootFs ?? true,
  };
  if (measured) fence.cpus = Math.max(d.minCpus, stepUp(measured.cpuCores * d.cpuFactor, d.cpuStep));
  if (manifest.runAsRoot) fence.user = 'root';
  return fence;
}

/** Whether a Docker `User` value is root (uid 0), which Rim does not run unless the manifest says so. */
export function isRootUser(user: string | undefined): boolean {
  if (!user) return true;
  const name = user.split(':')[0]!;
  return name === '' || name === '0' || name === 'root';
}
