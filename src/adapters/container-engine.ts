/**
 * The container engine as Rim sees it. The Docker adapter (dockerode) is the
 * one real implementation; dockerode's own types never pass this interface.
 * Unit tests fake this interface, nothing deeper.
 */
import { NotFoundError } from '../domain/errors.js';
import type { ObservedReplica, ReplicaSpec } from '../domain/types.js';

/** What every engine says when an image is absent: once, and what to do about it. */
export function imageNotOnBox(image: string): NotFoundError {
  return new NotFoundError(
    `image ${image} is not on this box; Rim never pulls images: build or \`docker load\` it on the box first`,
  );
}

export interface ImageInfo {
  /** Image id (sha256:…) — the digest Rim keys profiles by. */
  digest: string;
  /** The raw `rim.manifest` label, or undefined when the image has none. */
  manifestLabel?: string;
  /** Repo tags, e.g. ["rim/sample-synthetic:latest"]. */
  tags: string[];
  /** The user the image runs as (`USER`), when it names one. */
  user?: string;
}

export interface ReplicaStats {
  /** CPU cores in use, averaged since the previous sample (e.g. 0.85). */
  cpuCores: number;
  memoryMB: number;
}

/** A node's replica sandbox (src/domain/replica-sandbox.ts): the container every replica's network joins. */
export interface SandboxInfo {
  containerId: string;
  /** Its address on its internal network: where the appliance reaches every replica of the node. */
  address: string;
}

export interface ContainerEngine {
  /** Resolves when the engine answers; rejects with DockerUnavailableError otherwise. */
  ping(): Promise<void>;
  /**
   * The node's sandbox, running: created with its internal network when missing, and created anew (a new id)
   * when it is not running, so that replicas of the old one are seen as stale (their `sandbox` differs).
   */
  ensureSandbox(node: string): Promise<SandboxInfo>;
  /** Removes the node's sandbox and its network (cleanup); replicas still joined to it are removed first. */
  removeSandbox(node: string): Promise<void>;
  /** Reads an image's id and labels; `imageNotOnBox` (a NotFoundError) when the image is absent. */
  inspectImage(image: string): Promise<ImageInfo>;
  /** Every replica container (role replica or profiling) labelled rim.managed=true and rim.node=<node>. */
  listReplicas(node: string): Promise<ObservedReplica[]>;
  /**
   * Creates (does not start) the container for a spec, in the node's sandbox (ensured first); returns its id.
   * `imageNotOnBox` when its image is absent.
   */
  create(spec: ReplicaSpec): Promise<string>;
  start(containerId: string): Promise<void>;
  /** Stops with a grace period in seconds. Stopping a stopped container is not an error. */
  stop(containerId: string, graceS?: number): Promise<void>;
  /** Removes (forcefully). Removing a missing container is not an error. */
  remove(containerId: string): Promise<void>;
  stats(containerId: string): Promise<ReplicaStats>;
  /**
   * Calls `onEvent` for each start/die/destroy event of a managed container of
   * `node` until `signal` aborts; lets the supervisor react at once instead of
   * waiting for its next poll.
   */
  watch(node: string, onEvent: (e: ContainerEvent) => void, signal: AbortSignal): Promise<void>;
  /**
   * Reads one file out of an image without running it (the profiler's sample
   * input); NotFoundError when the image or the file is absent, ValidationError
   * past `maxBytes`.
   */
  readImageFile(image: string, path: string, maxBytes?: number): Promise<Buffer>;
}

/** The container lifecycle events Rim follows: each wakes the supervisor. */
export const CONTAINER_EVENT_ACTIONS = ['start', 'die', 'destroy'] as const;
export type ContainerEventAction = (typeof CONTAINER_EVENT_ACTIONS)[number];

export interface ContainerEvent {
  containerId: string;
  action: ContainerEventAction;
}

export const isContainerEventAction = (a: string): a is ContainerEventAction =>
  (CONTAINER_EVENT_ACTIONS as readonly string[]).includes(a);
