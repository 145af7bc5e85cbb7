/** Shared inputs for the supervisor's unit tests: a parsed sample manifest and small helpers. */
import { parseManifest } from '../../../../src/domain/manifest.js';
import type { NodeInventory, ObservedReplica, RegisteredApp, ReplicaSpec } from '../../../../src/domain/types.js';
import type { Step } from '../../../../src/domain/supervisor/steps.js';

export const DIGEST = `sha256:${'ab'.repeat(32)}`;

export const synthetic: RegisteredApp = {
  name: 'synthetic',
  image: 'rim/sample-synthetic:latest',
  digest: DIGEST,
  registeredAt: 0,
  manifest: parseManifest({
    apiVersion: 'rim/v1',
    name: 'synthetic',
    entry: 'decode',
    modules: [
      {
        name: 'decode',
        command: ['node', '/app/server.js'],
        env: { COST_MS: '4' },
        accelerator: 'cpu',
        next: ['detect'],
      },
      {
        name: 'detect',
        command: ['node', '/app/server.js'],
        env: { COST_MS: '40', OUT_BYTES: '1024' },
        accelerator: 'gpu',
        next: ['track'],
        variants: [{ name: 'tiny', env: { COST_MS: '15' }, command: ['node', '/app/tiny.js'] }],
      },
      { name: 'track', image: 'rim/tracker:1', accelerator: 'cpu', next: [] },
    ],
  }),
};

export const box: NodeInventory = {
  id: 'box-1',
  cpus: 8,
  memoryMB: 16000,
  accelerators: [
    { id: 'emu0', model: 'fake-t4', memoryMB: 4096, emulated: true, cpus: 1.5, cpuset: '2-3' },
    { id: 'gpu0', model: 'RTX 2080 Ti', memoryMB: 11000 },
  ],
};

export function observed(spec: ReplicaSpec, over: Partial<ObservedReplica> = {}): ObservedReplica {
  return {
    containerId: `c-${spec.name}`,
    name: spec.name,
    node: spec.node,
    app: spec.app,
    module: spec.module,
    variant: spec.variant,
    specHash: spec.specHash,
    role: spec.role,
    port: spec.port,
    status: 'running',
    startedAt: 1000,
    ...over,
  };
}

/** Steps in a compact, readable form for deepEqual (balena's expectSteps idea). */
export const brief = (steps: Step[]): string[] =>
  steps.map((s) =>
    s.kind === 'create'
      ? `create ${s.spec.name}`
      : s.kind === 'wait'
        ? `wait ${s.name} ${s.until}`
        : `${s.kind} ${s.name}`,
  );
