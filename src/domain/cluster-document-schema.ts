/**
 * The cluster document's schema (types.ts, `ClusterDocument`): what the
 * store reads from disk and what a node takes from a peer. Neither is
 * trusted more than an API body: one changed byte on disk, or a signed
 * `/propose` from a token holder, must not bring in a wrong-typed field or
 * an app whose manifest was never validated. Apps are re-validated as
 * manifests (parseManifest: forbidden keys, reserved env, image grammar).
 *
 * Objects are loose: a field added by a newer version passes through
 * unchanged, so every node keeps the same document.
 */
import { z } from 'zod';
import { fpsSchema, latencyMsSchema } from './deployment-limits.js';
import { ValidationError } from './errors.js';
import { imageRefProblem } from './image-ref.js';
import { walkJson } from './json-walk.js';
import { fieldPath, parseManifest } from './manifest.js';
import type { ClusterDocument } from './types.js';

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const name = () => z.string().regex(NAME, { error: 'expected lower-case letters, digits and - (at most 63)' });
const id = () => z.string().min(1).max(63);
const text = () => z.string().max(4096);
const count = () => z.number().nonnegative();
const epochMs = () => z.number().int().nonnegative();
/** JSON writes a non-finite estimate (a saturated node) as null: kept as the plan stored it. */
const figures = () => z.record(z.string(), z.number().nullable()).transform((r) => r as Record<string, number>);

const manifest = z.unknown().transform((raw, ctx) => {
  try {
    return parseManifest(raw);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    const why = e.message.replace(/^manifest(?: field [^:]*)?: /, '');
    ctx.issues.push({ code: 'custom', message: why, input: raw, params: { field: e.field } });
    return z.NEVER;
  }
});

const imageRef = z.string().superRefine((ref, ctx) => {
  const why = imageRefProblem(ref);
  if (why) ctx.addIssue({ code: 'custom', message: why });
});

const accelerator = z.looseObject({
  id: id(),
  model: z.string().min(1).max(256),
  memoryMB: count(),
  emulated: z.boolean().optional(),
  cpus: count().optional(),
  cpuset: z.string().max(256).optional(),
});
const inventory = z.looseObject({
  id: id(),
  cpus: count(),
  memoryMB: count(),
  accelerators: z.array(accelerator).max(64),
});

const app = z
  .looseObject({
    name: name(),
    image: imageRef,
    digest: z.string().min(1).max(512),
    manifest,
    registeredAt: epochMs(),
  })
  .refine((a) => a.manifest.name === a.name, { error: "the app's name is not its manifest's name", path: ['name'] });

const deployment = z.looseObject({
  name: name(),
  app: name(),
  fps: fpsSchema(),
  latencyMs: latencyMsSchema(),
  priority: z.number().int().min(-1000).max(1000),
  createdAt: epochMs(),
  maxFps: fpsSchema().optional(),
});

const profile = z.looseObject({
  app: z.string().min(1),
  module: z.string().min(1),
  variant: z.string().min(1).optional(),
  accelerator: z.string().min(1),
  maxFps: count(),
  latencyMs: count(),
  cpuCores: count(),
  memoryMB: count(),
  gpuMemoryMB: count().optional(),
  digest: z.string().min(1),
  state: z.enum(['ok', 'failed', 'stale']),
  reason: text().optional(),
  measuredAt: epochMs(),
  detail: z.record(z.string(), z.unknown()).optional(),
});

const member = z.looseObject({
  id: id(),
  address: z.string().min(1).max(300),
  joinedAt: epochMs(),
  lastSeen: epochMs(),
  state: z.enum(['alive', 'suspect', 'dead', 'left']),
  inventory: inventory.optional(),
  link: z
    .looseObject({
      bandwidthMbps: z.number().positive(),
      rttMs: z.number().nonnegative(),
      by: id(),
      at: epochMs(),
    })
    .optional(),
});

const plan = z.looseObject({
  strategy: z.string().min(1),
  placements: z.array(
    z.looseObject({
      deployment: z.string().min(1),
      module: z.string().min(1),
      variant: z.string().min(1).optional(),
      node: id(),
      accelerator: z.string().min(1),
      fps: count(),
    }),
  ),
  rejected: z.array(z.looseObject({ deployment: z.string().min(1), reason: text() })),
  latencyMs: figures(),
  utilisation: figures(),
  solveMs: count(),
  moves: z.number().int().nonnegative().optional(),
});

/** Names must be unique where Rim looks things up by name. */
const unique =
  <T>(key: (x: T) => string, what: string) =>
  (xs: T[], ctx: z.RefinementCtx) => {
    const seen = new Set<string>();
    xs.forEach((x, i) => {
      if (seen.has(key(x))) ctx.addIssue({ code: 'custom', message: `duplicate ${what} "${key(x)}"`, path: [i] });
      seen.add(key(x));
    });
  };

const documentShape = z.looseObject({
  version: z.number().int().nonnegative(),
  clusterName: name(),
  apps: z.array(app).superRefine(unique((a) => a.name, 'app')),
  deployments: z.array(deployment).superRefine(unique((d) => d.name, 'deployment')),
  profiles: z.array(profile),
  plan: plan.optional(),
  members: z.array(member).superRefine(unique((m) => m.id, 'member')),
});

/** Refuses a value nested too deep before anything recursive (the schema, structuredClone) touches it. */
const shallow = z.unknown().transform((raw, ctx) => {
  try {
    walkJson(raw, { what: 'document' });
    return raw;
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    ctx.issues.push({
      code: 'custom',
      message: e.message.replace(/^document field [^:]*: /, ''),
      input: raw,
      path: e.field && e.field !== 'document' ? [e.field] : [],
    });
    return z.NEVER;
  }
});

/** The cluster document, depth-checked, typed and with every app's manifest re-validated. */
export const clusterDocumentSchema = shallow.pipe(documentShape);

// The schema's output is a ClusterDocument: a change to either that breaks this fails the build.
const _outputIsADocument = (d: z.output<typeof documentShape>): ClusterDocument => d;
void _outputIsADocument;

/** The dotted field a zod issue names, with the manifest field inside an app when there is one. */
export function issueField(issue: z.core.$ZodIssue): string {
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const base = fieldPath([...issue.path, ...(keys.length ? [keys[0]!] : [])]);
  const inner = (issue as { params?: { field?: string } }).params?.field;
  return inner && inner !== 'manifest' ? `${base}.${inner}` : base;
}

/**
 * Parses a cluster document (from disk, from a peer). Throws ValidationError
 * naming the field: "state file field apps[0].manifest.modules[0].privileged: …".
 */
export function parseClusterDocument(raw: unknown, what = 'cluster document'): ClusterDocument {
  const r = clusterDocumentSchema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const at = issueField(issue) || what;
  const why = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
  throw new ValidationError(`${what} field ${at}: ${why}`, at);
}
