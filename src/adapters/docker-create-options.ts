/**
 * What Docker is asked to create for a replica: its labels, env, resource
 * fence and the unprivileged host config (no binds, no devices but an NVIDIA
 * device request for a GPU, every capability dropped, no-new-privileges).
 * Pure: exported so tests can check it asks for nothing privileged.
 */
import type Docker from 'dockerode';
import { fenceFor, isRootUser, NOBODY, type ReplicaFence } from '../domain/replica-fence.js';
import { SANDBOX_COMMAND, SANDBOX_LIMITS, sandboxNetworkMode, type SandboxNames } from '../domain/replica-sandbox.js';
import type { ReplicaSpec } from '../domain/types.js';
import type { DockerConnectionConfig } from './docker-connection.js';

export const LABEL = {
  managed: 'rim.managed',
  node: 'rim.node',
  app: 'rim.app',
  module: 'rim.module',
  variant: 'rim.variant',
  specHash: 'rim.spec-hash',
  role: 'rim.role',
  port: 'rim.port',
  accelerator: 'rim.accelerator',
  manifest: 'rim.manifest',
  /** The image the spec pins (an id for the app's own image), whatever name the container was created with. */
  image: 'rim.image',
  /** A replica: the id of the sandbox container whose network namespace it joined. */
  sandbox: 'rim.sandbox',
} as const;

/** `rim.role` of the sandbox container and its network. */
export const SANDBOX_ROLE = 'sandbox';

/** Where the engine is (docker-connection.ts); dockerode's defaults when nothing is set. */
export interface DockerEngineOptions extends DockerConnectionConfig {
  /**
   * The image the sandbox runs (src/domain/replica-sandbox.ts); unset: the appliance's own container's image,
   * found at start. Needed when the appliance runs outside a container.
   */
  sandboxImage?: string;
  /** Memory limit per replica in MB; none when unset. */
  memoryMB?: number;
  readonlyRootfs?: boolean;
}

/**
 * The address a replica is told to listen on (`RIM_HOST`): every interface of
 * its sandbox's network namespace, which are its loopback and its address on
 * the sandbox's internal network. Both are inside the fence, and the appliance
 * (outside the namespace) reaches the replica at the second only, so the
 * module must not bind loopback alone. A constant, not the learnt address: a
 * replica's env does not change with the sandbox's address.
 */
export const REPLICA_BIND_HOST = '0.0.0.0';

/** The env a replica gets: its spec's env plus the module contract (docs/design.md). */
export function replicaEnv(spec: ReplicaSpec): Record<string, string> {
  const env: Record<string, string> = {
    ...spec.env,
    RIM_HOST: REPLICA_BIND_HOST,
    RIM_PORT: String(spec.port),
    RIM_APP: spec.app,
    RIM_MODULE: spec.module,
    RIM_VARIANT: spec.variant,
  };
  if (spec.accelerator.kind === 'gpu') env.NVIDIA_VISIBLE_DEVICES = spec.accelerator.deviceId;
  return env;
}

/** A replica's CPU weight: Docker's default is 1024, the appliance's own container keeps it. */
export const REPLICA_CPU_SHARES = 512;

/**
 * The create body for a spec: exported so tests can check it asks for nothing privileged.
 * `sandboxId`: the container whose network namespace the replica joins (its fence);
 * `image` is what to create from: the spec's pinned image, or a name that resolves to it;
 * `imageUser` is the user the image names (the replica never runs as root unless the manifest says so).
 */
export function createOptions(
  spec: ReplicaSpec,
  opts: DockerEngineOptions,
  sandboxId: string,
  image = spec.image,
  imageUser?: string,
): Docker.ContainerCreateOptions {
  const a = spec.accelerator;
  const fence = spec.fence ?? fenceFor({});
  const readOnly = opts.readonlyRootfs ?? fence.readOnlyRootFs;
  const memory = Math.round((opts.memoryMB ?? fence.memoryMB) * 1024 * 1024);
  const host: Docker.HostConfig = {
    NetworkMode: sandboxNetworkMode(sandboxId),
    Privileged: false,
    CapDrop: ['ALL'],
    SecurityOpt: ['no-new-privileges'],
    RestartPolicy: { Name: 'no' }, // the supervisor restarts, with backoff
    LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } },
    ReadonlyRootfs: readOnly,
    Memory: memory,
    MemorySwap: memory, // no swap beyond the limit
    PidsLimit: fence.pids,
    // Half the weight of a default container (the appliance's): when the box's cores are all busy, the router
    // and the election timers of the appliance that serves every frame run before a replica's own work.
    CpuShares: REPLICA_CPU_SHARES,
  };
  // A read-only root still needs somewhere to write scratch files.
  if (readOnly) host.Tmpfs = { '/tmp': 'rw,nosuid,nodev,noexec,size=64m' };
  if (a.kind === 'gpu') {
    host.DeviceRequests = [{ Driver: 'nvidia', DeviceIDs: [a.deviceId], Capabilities: [['gpu']] }];
    if (fence.cpus) host.NanoCpus = Math.round(fence.cpus * 1e9);
  } else if (a.kind === 'emulated') {
    host.NanoCpus = Math.round(a.cpus * 1e9);
    if (a.cpuset) host.CpusetCpus = a.cpuset;
  } else if (a.cpus) {
    host.NanoCpus = Math.round(a.cpus * 1e9);
  } else if (fence.cpus) {
    host.NanoCpus = Math.round(fence.cpus * 1e9);
  }
  const user = replicaUser(fence, imageUser);
  const env = replicaEnv(spec);
  return {
    name: spec.name,
    Image: image,
    ...(spec.command?.length ? { Cmd: spec.command } : {}),
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: {
      [LABEL.managed]: 'true',
      [LABEL.node]: spec.node,
      [LABEL.app]: spec.app,
      [LABEL.module]: spec.module,
      [LABEL.variant]: spec.variant,
      [LABEL.specHash]: spec.specHash,
      [LABEL.role]: spec.role,
      [LABEL.port]: String(spec.port),
      [LABEL.accelerator]: a.kind === 'cpu' ? 'cpu' : a.id,
      [LABEL.image]: spec.image,
      [LABEL.sandbox]: sandboxId,
    },
    ...(user ? { User: user } : {}),
    HostConfig: host,
  };
}

/**
 * The user a replica runs as: root only when its manifest says `runAsRoot`;
 * else the image's own user when that is not root; else nobody.
 */
export function replicaUser(fence: Pick<ReplicaFence, 'user'>, imageUser: string | undefined): string | undefined {
  if (fence.user === 'root') return '0:0';
  return isRootUser(imageUser) ? NOBODY : undefined;
}

/** The labels of a node's sandbox and of its network: Rim's, the node's, role sandbox. */
export const sandboxLabels = (node: string): Record<string, string> => ({
  [LABEL.managed]: 'true',
  [LABEL.node]: node,
  [LABEL.role]: SANDBOX_ROLE,
});

/** The sandbox's network: internal (no route out, none in but from the host), labelled, Docker's own subnet. */
export function sandboxNetworkOptions(node: string, names: SandboxNames): Docker.NetworkCreateOptions {
  return { Name: names.network, Driver: 'bridge', Internal: true, CheckDuplicate: true, Labels: sandboxLabels(node) };
}

/**
 * The sandbox container: the appliance's own image running an idle command, as unprivileged as a replica
 * (no capabilities, no-new-privileges, read-only root, nobody) with small memory and pids limits, on its
 * internal network only. Docker restarts nothing: the supervisor creates a new one when it is gone.
 */
export function sandboxCreateOptions(node: string, names: SandboxNames, image: string): Docker.ContainerCreateOptions {
  const memory = SANDBOX_LIMITS.memoryMB * 1024 * 1024;
  return {
    name: names.container,
    Image: image,
    Entrypoint: [SANDBOX_COMMAND[0]],
    Cmd: SANDBOX_COMMAND.slice(1),
    User: NOBODY,
    Labels: sandboxLabels(node),
    // The image's health check probes the appliance's port: not this container's business.
    Healthcheck: { Test: ['NONE'] },
    HostConfig: {
      NetworkMode: names.network,
      Privileged: false,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      RestartPolicy: { Name: 'no' },
      ReadonlyRootfs: true,
      Memory: memory,
      MemorySwap: memory,
      PidsLimit: SANDBOX_LIMITS.pids,
      NanoCpus: 0.1e9,
      LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '1' } },
    },
  };
}
