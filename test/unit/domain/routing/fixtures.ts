/** Manifests and cluster documents for the routing tests. */
import { parseManifest, type Manifest } from '../../../../src/domain/manifest.js';
import type {
  ClusterDocument,
  Placement,
  RegisteredApp,
  ReplicaStatus,
  StoredDeployment,
} from '../../../../src/domain/types.js';

export const mod = (name: string, next: string[], accelerator: 'cpu' | 'gpu' = 'cpu') => ({
  name,
  image: 'self',
  accelerator,
  next,
  command: ['node', 'm.js'],
});

export function manifest(name: string, entry: string, modules: ReturnType<typeof mod>[]): Manifest {
  return parseManifest({ apiVersion: 'rim/v1', name, entry, modules });
}

/** decode → detect → track, as the synthetic sample. */
export const pipeline = () =>
  manifest('syn', 'decode', [mod('decode', ['detect']), mod('detect', ['track'], 'gpu'), mod('track', [])]);

/** src → (left, right) → join; plus a second sink `audit` off src. Listed out of topological order on purpose. */
export const diamond = () =>
  manifest('dia', 'src', [
    mod('join', []),
    mod('right', ['join']),
    mod('src', ['left', 'right', 'audit']),
    mod('left', ['join']),
    mod('audit', []),
  ]);

export const app = (m: Manifest): RegisteredApp => ({
  name: m.name,
  image: `rim/${m.name}`,
  digest: `sha256:${'0'.repeat(64)}`,
  manifest: m,
  registeredAt: 0,
});

export const deployment = (name: string, appName: string, fps = 10, latencyMs = 500): StoredDeployment => ({
  name,
  app: appName,
  fps,
  latencyMs,
  priority: 0,
  createdAt: 0,
});

export function doc(parts: {
  apps: RegisteredApp[];
  deployments: StoredDeployment[];
  placements?: Placement[];
  rejected?: { deployment: string; reason: string }[];
  members?: { id: string; address: string }[];
}): ClusterDocument {
  return {
    version: 1,
    clusterName: 'rim',
    apps: parts.apps,
    deployments: parts.deployments,
    profiles: [],
    plan: parts.placements
      ? {
          strategy: 'test',
          placements: parts.placements,
          rejected: parts.rejected ?? [],
          latencyMs: {},
          utilisation: {},
          solveMs: 0,
        }
      : undefined,
    members: (parts.members ?? []).map((m) => ({ ...m, joinedAt: 0, lastSeen: 0, state: 'alive' as const })),
  };
}

export const replica = (name: string, port: number, state: ReplicaStatus['state'] = 'running'): ReplicaStatus => ({
  name,
  app: 'x',
  module: 'x',
  variant: 'default',
  port,
  accelerator: 'cpu',
  state,
  restarts: 0,
});
