/**
 * From "module M of app A, variant V, on accelerator X, port P" to the exact
 * container Rim will run: image (pinned), command, env, name and the spec
 * hash that lets the supervisor see drift. Pure: same input, same spec.
 */
import { createHash } from 'node:crypto';
import { NotFoundError } from './errors.js';
import { DEFAULT_VARIANT } from './manifest.js';
import { fenceFor, type MeasuredUse } from './replica-fence.js';
import type { Accelerator, AcceleratorBinding, RegisteredApp, ReplicaSpec } from './types.js';

export interface ReplicaSpecInput {
  node: string;
  app: RegisteredApp;
  module: string;
  /** A variant name from the manifest, or DEFAULT_VARIANT (the module's own form). */
  variant?: string;
  accelerator: AcceleratorBinding;
  port: number;
  role?: ReplicaSpec['role'];
  /** The module's measured use on this accelerator (its profile), when known: the limits follow it. */
  measured?: MeasuredUse;
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256 over the canonical JSON of a spec, minus its own hash. */
export function specHashOf(spec: Omit<ReplicaSpec, 'specHash'> & { specHash?: string }): string {
  const { specHash: _ignored, ...rest } = spec;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/** A Docker-safe container name: lower case, [a-z0-9_.-], at most 128 characters (hash-suffixed when cut). */
export function sanitiseName(raw: string): string {
  const clean = raw
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-z0-9]+|-+$/g, '');
  if (clean.length <= 128) return clean || 'rim';
  const tail = createHash('sha256').update(clean).digest('hex').slice(0, 10);
  return `${clean.slice(0, 117)}-${tail}`;
}

/** The accelerator id a binding names: the GPU's or slice's id, or `cpu`. */
export const acceleratorIdOf = (b: AcceleratorBinding): string => (b.kind === 'cpu' ? 'cpu' : b.id);

/** `rim-<node>-<app>-<module>-<variant>-<accelerator>` (profiling replicas: `rim-prof-…`). */
export function replicaName(
  node: string,
  app: string,
  module: string,
  variant: string,
  acceleratorId: string,
  role: ReplicaSpec['role'] = 'replica',
): string {
  return sanitiseName(
    `${role === 'profiling' ? 'rim-prof' : 'rim'}-${node}-${app}-${module}-${variant}-${acceleratorId}`,
  );
}

/**
 * The image a replica runs. "self" pins the app's image to the id recorded at
 * registration (what profiles are keyed by), so a re-tagged image is not
 * picked up silently; any other reference is used as written.
 */
export function imageFor(app: RegisteredApp, image: string | undefined): string {
  if (image && image !== 'self') return image;
  return /^(sha256:[0-9a-f]{64}|[^@\s]+@sha256:[0-9a-f]{64})$/.test(app.digest) ? app.digest : app.image;
}

/** How a replica gets an inventory accelerator (or the node's cores for `cpu`). */
export function bindingFor(acceleratorId: string, accelerators: readonly Accelerator[]): AcceleratorBinding {
  if (acceleratorId === 'cpu') return { kind: 'cpu' };
  const a = accelerators.find((x) => x.id === acceleratorId);
  if (!a) throw new NotFoundError(`accelerator ${acceleratorId} is not in this node's inventory`);
  if (a.emulated) {
    return { kind: 'emulated', id: a.id, model: a.model, cpus: a.cpus ?? 1, ...(a.cpuset ? { cpuset: a.cpuset } : {}) };
  }
  // The inventory names GPUs gpu<index>; NVIDIA's runtime wants the index (or a UUID).
  const deviceId = /^gpu(\d+)$/.exec(a.id)?.[1] ?? a.id;
  return { kind: 'gpu', id: a.id, model: a.model, deviceId };
}

export function buildReplicaSpec(input: ReplicaSpecInput): ReplicaSpec {
  const { node, app, port } = input;
  const variantName = input.variant ?? DEFAULT_VARIANT;
  const role = input.role ?? 'replica';
  const mod = app.manifest.modules.find((m) => m.name === input.module);
  if (!mod) throw new NotFoundError(`app ${app.name} has no module "${input.module}"`);
  const variant = variantName === DEFAULT_VARIANT ? undefined : mod.variants?.find((v) => v.name === variantName);
  if (variantName !== DEFAULT_VARIANT && !variant) {
    throw new NotFoundError(`module ${app.name}/${mod.name} has no variant "${variantName}"`);
  }
  const command = variant?.command ?? mod.command;
  const image = imageFor(app, variant?.image ?? mod.image);
  const spec: Omit<ReplicaSpec, 'specHash'> = {
    name: replicaName(node, app.name, mod.name, variantName, acceleratorIdOf(input.accelerator), role),
    node,
    app: app.name,
    module: mod.name,
    variant: variantName,
    image,
    ...(image === app.digest && app.image !== app.digest ? { imageRef: app.image } : {}),
    ...(command ? { command: [...command] } : {}),
    env: {
      ...mod.env,
      ...variant?.env,
      // The module contract (docs/design.md); the manifest cannot set RIM_* itself.
      RIM_PORT: String(port),
      RIM_APP: app.name,
      RIM_MODULE: mod.name,
      RIM_VARIANT: variantName,
    },
    accelerator: input.accelerator,
    port,
    role,
    fence: fenceFor(app.manifest, input.measured),
  };
  return { ...spec, specHash: specHashOf(spec) };
}
