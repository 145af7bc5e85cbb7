/**
 * Rim's own types: the shapes of docs/design.md (plan files, profiles, plans) and
 * the contract between the supervisor and the container engine adapter.
 * Nothing here does I/O.
 */
import type { ReplicaFence } from './replica-fence.js';
import type { Manifest } from './manifest.js';

export type { Manifest, ModuleSpec, Variant } from './manifest.js';

/** One accelerator of a node. `model: "cpu"` is never listed here: CPU capacity is `NodeInventory.cpus`. */
export interface Accelerator {
  id: string;
  model: string;
  memoryMB: number;
  /** true for a CPU slice that Rim treats as a GPU of `model` (config accelerators.emulate). */
  emulated?: boolean;
  /** Emulated only: the CPU quota (cores) of the slice. */
  cpus?: number;
  /** Emulated only: a cpuset such as "0" or "2-3", when configured. */
  cpuset?: string;
}

export interface NodeInventory {
  id: string;
  cpus: number;
  memoryMB: number;
  accelerators: Accelerator[];
}

export interface NetworkSpec {
  bandwidthMbps: number;
  rttMs: number;
}

/** The network between two nodes (either way), where it differs from the cluster's default. */
export interface LinkSpec extends NetworkSpec {
  a: string;
  b: string;
}

/** The `C` plan file. */
export interface ClusterSpec {
  nodes: NodeInventory[];
  /** Every link's bandwidth and RTT, unless `links` says otherwise for a pair. */
  network: NetworkSpec;
  links?: LinkSpec[];
}

/**
 * The `A` plan file: a manifest whose modules may carry `frameKB` (their
 * output size); `inputKB` is the size of the frames clients send (the entry
 * module's request), as the profiler measured it.
 */
export type AppSpec = Manifest & { inputKB?: number };

/** The `P` plan file, one row. `module: "*"` is the whole DAG on one node of that model. */
export interface Profile {
  app: string;
  module: string;
  variant?: string;
  accelerator: string;
  maxFps: number;
  latencyMs: number;
  cpuCores: number;
  memoryMB: number;
  gpuMemoryMB?: number;
}

/** The `D` plan file, one row: one stream of work (Rim's "session"). */
export interface Deployment {
  name: string;
  app: string;
  /** Frames per second the plan allocates (for an `auto` rate: what the leader last allocated). */
  fps: number;
  latencyMs: number;
  priority?: number;
  /** Set when the rate is `auto`: the plan allocates what arrives, at most this (load-trigger.ts). */
  maxFps?: number;
}

export interface Placement {
  deployment: string;
  module: string;
  variant?: string;
  node: string;
  /** An accelerator id, or `cpu` for a CPU module on the node's cores. */
  accelerator: string;
  fps: number;
}

export interface Rejection {
  deployment: string;
  reason: string;
}

export interface Plan {
  strategy: string;
  placements: Placement[];
  rejected: Rejection[];
  latencyMs: Record<string, number>;
  utilisation: Record<string, number>;
  solveMs: number;
  /** Why the leader planned (load-trigger.ts, or which inputs changed); absent on plans older than it. */
  reason?: string;
  /** Replicas moved relative to the previous plan (re-planning only). */
  moves?: number;
  /** `rim` re-planning only: which candidate won (see ReplanOutcome). */
  replan?: ReplanOutcome;
  /** `optimal` only: the solver's status in its words ("Optimal", else each priority level's). */
  status?: string;
  /** `optimal` only: 1 − admitted fps / the latency-aware upper bound on any valid plan (latency-bound.ts). */
  gap?: number;
  /** `optimal` only: the solver's own relative gap (its worst priority level; 1 when it proved nothing). */
  solverGap?: number;
}

/** Re-planning: running replicas `kept`, some `moved` to admit more, or a `fresh` plan. */
export type ReplanOutcome = 'kept' | 'moved' | 'fresh';

/* ---------- node-local: what the supervisor runs ---------- */

/** How a replica gets its accelerator. */
export type AcceleratorBinding =
  | { kind: 'cpu'; cpus?: number }
  | { kind: 'gpu'; id: string; model: string; deviceId: string }
  | { kind: 'emulated'; id: string; model: string; cpus: number; cpuset?: string };

/** The desired state of one replica on one node; `specHash` covers every field. */
export interface ReplicaSpec {
  /** Stable name, unique on the node: `rim-<app>-<module>-<variant>-<accelerator>`. */
  name: string;
  node: string;
  app: string;
  module: string;
  variant: string;
  /** The image to run: for the app's own image, the id pinned at registration. */
  image: string;
  /**
   * The reference the operator registered (e.g. "rim/sample-synthetic:latest")
   * when `image` is its pinned id: containers are created with this name while
   * it still names that id, so `docker ps` shows names, not ids.
   */
  imageRef?: string;
  command?: string[];
  env: Record<string, string>;
  accelerator: AcceleratorBinding;
  port: number;
  specHash: string;
  /** `replica` (placed work) or `profiling` (a profiler's throw-away replica). */
  role: 'replica' | 'profiling';
  /** Limits, user and root filesystem (src/domain/replica-fence.ts); the adapter's defaults when unset. */
  fence?: ReplicaFence;
}

/** What a node must run: the replicas the leader (or the one-box stand-in) assigns it. */
export interface Assignment {
  node: string;
  version: number;
  replicas: ReplicaSpec[];
}

export type ContainerStatus = 'created' | 'running' | 'restarting' | 'paused' | 'exited' | 'dead' | 'removing';

/** A managed container as Docker shows it, rebuilt from its labels. */
export interface ObservedReplica {
  containerId: string;
  name: string;
  node: string;
  app: string;
  module: string;
  variant: string;
  specHash: string;
  role: 'replica' | 'profiling';
  port: number;
  status: ContainerStatus;
  exitCode?: number;
  /** epoch ms; undefined when never started */
  startedAt?: number;
  finishedAt?: number;
  /** epoch ms the container was created (tells a previous process's leftovers from this one's). */
  createdAt?: number;
  /** The sandbox container whose network it joined (absent: created before the fence, or not by Rim). */
  sandbox?: string;
}

/* ---------- the cluster document (what the store keeps, what the leader replicates) ---------- */

/** An app registered from its image's manifest label. */
export interface RegisteredApp {
  name: string;
  /** The image reference the operator gave, e.g. "rim/sample-synthetic:latest". */
  image: string;
  /** The image id/digest at registration: profiles are keyed by it. */
  digest: string;
  manifest: Manifest;
  registeredAt: number;
}

/** A deployment as stored: the request plus its admission priority, normalised. */
export interface StoredDeployment extends Deployment {
  priority: number;
  createdAt: number;
}

/** A measured profile with its key (image digest + variant + accelerator model) and state. */
export interface StoredProfile extends Profile {
  digest: string;
  state: 'ok' | 'failed' | 'stale';
  reason?: string;
  measuredAt: number;
  /** The box that measured it (cluster profiling runs on a box that has the model). */
  node?: string;
  /**
   * Measured on an accelerator that also held production replicas: the figures are a lower bound
   * (the replicas took some of it), and it is measured again once an accelerator of the model is free.
   */
  shared?: boolean;
  /** The module's output per frame as measured (KB); placement prefers it to the manifest's `frameKB`. */
  frameKB?: number;
  /** Extra measurement detail (percentiles, windows); free-form for the profiler. */
  detail?: Record<string, unknown>;
}

export interface Member {
  id: string;
  /** host:port of its API. */
  address: string;
  joinedAt: number;
  lastSeen: number;
  state: 'alive' | 'suspect' | 'dead' | 'left';
  inventory?: NodeInventory;
  /** Its network link as the leader `by` measured it when it joined (src/domain/membership/links.ts). */
  link?: MeasuredLink;
}

/** A link measured between two boxes: round trip, throughput, when and by which box. */
export interface MeasuredLink extends NetworkSpec {
  by: string;
  at: number;
}

/** The versioned cluster document. Every accepted change bumps `version`. */
export interface ClusterDocument {
  version: number;
  clusterName: string;
  apps: RegisteredApp[];
  deployments: StoredDeployment[];
  profiles: StoredProfile[];
  plan?: Plan;
  members: Member[];
}

/** What one replica looks like to an operator (API, CLI, status page). */
export interface ReplicaStatus {
  name: string;
  app: string;
  module: string;
  variant: string;
  port: number;
  accelerator: string;
  containerId?: string;
  state: 'pending' | 'starting' | 'running' | 'backoff' | 'crash-loop' | 'stopped';
  restarts: number;
  lastExit?: { code?: number; at: number };
  nextRestartAt?: number;
}
