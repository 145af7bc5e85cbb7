/**
 * The `rim.manifest` label (docs/design.md, "Packaging"): schema, refusal rules and
 * DAG checks. A manifest is untrusted input: anything that could widen a
 * container's privileges is refused by name before the schema even runs.
 */
import { z } from 'zod';
import { fpsSchema, latencyMsSchema } from './deployment-limits.js';
import { ForbiddenManifestError, ValidationError } from './errors.js';
import { imageRefProblem } from './image-ref.js';
import { walkJson } from './json-walk.js';

export const MAX_MANIFEST_BYTES = 64 * 1024;
/** A manifest is about 6 levels deep; anything far deeper is refused before it is walked. */
export const MAX_MANIFEST_DEPTH = 32;
const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Keys that would ask Docker for more than a plain, unprivileged container. */
const FORBIDDEN_KEYS: Record<string, string> = {
  privileged: 'privileged mode is never granted',
  mounts: 'host mounts are never granted',
  volumes: 'host mounts are never granted',
  binds: 'host mounts are never granted',
  tmpfs: 'mounts are never granted',
  devices: 'devices are never granted (GPUs come from placement)',
  deviceRequests: 'devices are never granted (GPUs come from placement)',
  capAdd: 'capabilities are never granted',
  cap_add: 'capabilities are never granted',
  capabilities: 'capabilities are never granted',
  securityOpt: 'security options are never changed',
  security_opt: 'security options are never changed',
  pid: 'host PID namespace is never granted',
  pidMode: 'host PID namespace is never granted',
  ipc: 'host IPC namespace is never granted',
  ipcMode: 'host IPC namespace is never granted',
  network: 'the network mode is set by Rim',
  networkMode: 'the network mode is set by Rim',
  network_mode: 'the network mode is set by Rim',
  userns: 'user namespace mode is never changed',
  userNs: 'user namespace mode is never changed',
  user: "the user is the image's own non-root user, or nobody (runAsRoot: true opts into root)",
  sysctls: 'sysctls are never changed',
  runtime: 'the runtime is chosen by Rim',
};

/**
 * Env names a manifest may not set: they are Rim's module contract or grant
 * devices. Any case: `nvidia_visible_devices` must not slip past the rule.
 */
const RESERVED_ENV = /^(RIM_|NVIDIA_|CUDA_VISIBLE_DEVICES$)/i;

/** An image reference Docker accepts, or "self" (the image carrying the label). */
const imageRef = z.string().superRefine((ref, ctx) => {
  const why = imageRefProblem(ref);
  if (why) ctx.addIssue({ code: 'custom', message: why });
});

const envSchema = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'env names are letters, digits and _'), z.string().max(4096))
  .refine((env) => !Object.keys(env).some((k) => RESERVED_ENV.test(k)), {
    message: 'env may not set RIM_*, NVIDIA_* or CUDA_VISIBLE_DEVICES in any case (Rim sets them)',
  });

const variantSchema = z.strictObject({
  name: z.string().regex(NAME, 'lower-case letters, digits and -'),
  env: envSchema.optional(),
  quality: z.number().min(0).max(1).optional(),
  image: imageRef.optional(),
  command: z.array(z.string().max(4096)).max(64).optional(),
});

const moduleSchema = z.strictObject({
  name: z.string().regex(NAME, 'lower-case letters, digits and -'),
  image: imageRef.default('self'),
  command: z.array(z.string().max(4096)).max(64).optional(),
  env: envSchema.optional(),
  accelerator: z.enum(['gpu', 'cpu']),
  next: z.array(z.string()).default([]),
  variants: z.array(variantSchema).max(16).optional(),
  /** Size of this module's output in KB (placement's edge cost). */
  frameKB: z.number().positive().optional(),
});

export const manifestSchema = z.strictObject({
  apiVersion: z.literal('rim/v1'),
  name: z.string().regex(NAME, 'lower-case letters, digits and -'),
  description: z.string().max(1024).optional(),
  entry: z.string(),
  modules: z.array(moduleSchema).min(1).max(64),
  profile: z.strictObject({ sampleInput: z.string().optional() }).optional(),
  defaults: z
    .strictObject({
      fps: fpsSchema().optional(),
      latencyMs: latencyMsSchema().optional(),
    })
    .optional(),
  /** Replicas run as root (uid 0) only when this is true; else as the image's non-root user, or nobody. */
  runAsRoot: z.boolean().optional(),
  /** The replicas' root filesystem is read-only (with a tmpfs at /tmp) unless this is false. */
  readOnlyRootFs: z.boolean().optional(),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ModuleSpec = Manifest['modules'][number];
export type Variant = NonNullable<ModuleSpec['variants']>[number];

/** The name of a module's own (unvariated) form. */
export const DEFAULT_VARIANT = 'default';

/** Dotted path as people read it: `modules[0].env`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
    '',
  );
}

/**
 * Refuses forbidden keys anywhere in the raw value (not only where the schema
 * looks), and values nested too deep to handle, without recursion.
 */
function refuseForbiddenKeys(value: unknown): void {
  walkJson(value, { what: 'manifest', maxDepth: MAX_MANIFEST_DEPTH }, ({ key, path }) => {
    if (key === undefined) return true;
    const why = Object.hasOwn(FORBIDDEN_KEYS, key) ? FORBIDDEN_KEYS[key] : undefined;
    if (why) throw new ForbiddenManifestError(`manifest field ${path}: ${why}`, path);
    // `env` values are strings, never options: a key named "user" there is fine.
    return key !== 'env';
  });
}

/** Checks the `next` edges: known targets, one entry, every module reachable, no cycle. */
export function checkDag(m: Manifest): void {
  const index = new Map<string, number>();
  m.modules.forEach((mod, i) => {
    if (index.has(mod.name))
      throw new ValidationError(
        `manifest field modules[${i}].name: duplicate module "${mod.name}"`,
        `modules[${i}].name`,
      );
    index.set(mod.name, i);
  });
  if (!index.has(m.entry)) throw new ValidationError(`manifest field entry: no module named "${m.entry}"`, 'entry');
  m.modules.forEach((mod, i) =>
    mod.next.forEach((n, j) => {
      if (!index.has(n))
        throw new ValidationError(
          `manifest field modules[${i}].next[${j}]: no module named "${n}"`,
          `modules[${i}].next[${j}]`,
        );
    }),
  );
  // Depth-first search with colours finds a cycle and names an edge on it.
  const colour = new Map<string, 'grey' | 'black'>();
  const visit = (name: string): void => {
    colour.set(name, 'grey');
    const i = index.get(name)!;
    m.modules[i]!.next.forEach((n, j) => {
      const c = colour.get(n);
      if (c === 'grey')
        throw new ValidationError(
          `manifest field modules[${i}].next[${j}]: "${name}" → "${n}" closes a cycle; the modules must form a DAG`,
          `modules[${i}].next[${j}]`,
        );
      if (!c) visit(n);
    });
    colour.set(name, 'black');
  };
  visit(m.entry);
  m.modules.forEach((mod, i) => {
    if (!colour.has(mod.name))
      throw new ValidationError(
        `manifest field modules[${i}]: "${mod.name}" is not reachable from entry "${m.entry}"; a DAG has one entry`,
        `modules[${i}]`,
      );
  });
  m.modules.forEach((mod, i) =>
    mod.variants?.forEach((v, j) => {
      if (v.name === DEFAULT_VARIANT)
        throw new ValidationError(
          `manifest field modules[${i}].variants[${j}].name: "${DEFAULT_VARIANT}" is reserved`,
          `modules[${i}].variants[${j}].name`,
        );
    }),
  );
}

/**
 * Parses and checks a manifest, from the label's raw JSON text or an object.
 * Throws ValidationError / ForbiddenManifestError naming the field.
 */
export function parseManifest(input: string | unknown): Manifest {
  let raw: unknown = input;
  if (typeof input === 'string') {
    if (Buffer.byteLength(input, 'utf8') > MAX_MANIFEST_BYTES) {
      throw new ValidationError(
        `manifest: ${Buffer.byteLength(input, 'utf8')} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit`,
        'manifest',
      );
    }
    try {
      raw = JSON.parse(input);
    } catch (e) {
      throw new ValidationError(`manifest: not valid JSON (${(e as Error).message})`, 'manifest');
    }
  }
  // First, as it bounds the depth: JSON.stringify below would overflow the stack on a deep object.
  refuseForbiddenKeys(raw);
  if (typeof input !== 'string' && Buffer.byteLength(JSON.stringify(input) ?? '', 'utf8') > MAX_MANIFEST_BYTES) {
    throw new ValidationError(`manifest: over the ${MAX_MANIFEST_BYTES}-byte limit`, 'manifest');
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const at = fieldPath([...issue.path, ...(keys.length ? [keys[0]!] : [])]) || 'manifest';
    // zod reports a bad record key (an env name) as "Invalid key in record"; its own rule says why.
    const why =
      issue.code === 'unrecognized_keys'
        ? 'unknown field'
        : issue.code === 'invalid_key'
          ? (issue.issues[0]?.message ?? issue.message)
          : issue.message;
    throw new ValidationError(`manifest field ${at}: ${why}`, at);
  }
  checkDag(parsed.data);
  return parsed.data;
}

/** Modules in topological order from the entry (stable: manifest order breaks ties). */
export function topoOrder(m: Manifest): ModuleSpec[] {
  const byName = new Map(m.modules.map((mod) => [mod.name, mod]));
  const indeg = new Map(m.modules.map((mod) => [mod.name, 0]));
  m.modules.forEach((mod) => mod.next.forEach((n) => indeg.set(n, (indeg.get(n) ?? 0) + 1)));
  const ready = m.modules.filter((mod) => indeg.get(mod.name) === 0).map((mod) => mod.name);
  const out: ModuleSpec[] = [];
  while (ready.length) {
    const name = ready.shift()!;
    const mod = byName.get(name)!;
    out.push(mod);
    for (const n of mod.next) {
      indeg.set(n, indeg.get(n)! - 1);
      if (indeg.get(n) === 0) ready.push(n);
    }
  }
  return out;
}
