/**
 * The plan files of docs/design.md ("Plan files"): one zod schema per file, and
 * parsers whose errors name the file and the field
 * ("deployments.json: [3].fps: must be > 0"). Apps are manifests, checked
 * by parseManifest. Pure: callers read the text.
 */
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { fieldPath, parseManifest } from '../manifest.js';
import type { AppSpec, ClusterSpec, Deployment, Plan, Profile } from '../types.js';

const id = z.string().min(1).max(253);
const pos = z.number().positive();
const nonneg = z.number().nonnegative();

export const clusterFileSchema = z.strictObject({
  nodes: z
    .array(
      z.strictObject({
        id,
        cpus: nonneg,
        memoryMB: nonneg,
        accelerators: z
          .array(
            z.object({
              id: id
                .refine((s) => s !== 'cpu', 'the id "cpu" is reserved for a node\'s cores')
                .refine((s) => !s.includes('/'), 'no "/" in an accelerator id (the plan keys "<node>/<accelerator>")'),
              model: z
                .string()
                .min(1)
                .refine((s) => s !== 'cpu', 'the model "cpu" is a node\'s cores, not an accelerator'),
              memoryMB: nonneg,
              emulated: z.boolean().optional(),
              cpus: nonneg.optional(),
              cpuset: z.string().optional(),
            }),
          )
          .default([]),
      }),
    )
    .superRefine((nodes, ctx) => {
      const seen = new Set<string>();
      nodes.forEach((n, i) => {
        if (seen.has(n.id)) ctx.addIssue({ code: 'custom', message: `duplicate node id "${n.id}"`, path: [i, 'id'] });
        seen.add(n.id);
        // Unique within a node: every emulated box has an emu0, and placements name (node, accelerator).
        const accs = new Set<string>();
        n.accelerators.forEach((a, j) => {
          if (accs.has(a.id))
            ctx.addIssue({
              code: 'custom',
              message: `duplicate accelerator id "${a.id}"`,
              path: [i, 'accelerators', j, 'id'],
            });
          accs.add(a.id);
        });
      });
    }),
  network: z.strictObject({ bandwidthMbps: pos, rttMs: nonneg }),
  /** One pair of nodes' link where it differs from `network`. */
  links: z.array(z.strictObject({ a: id, b: id, bandwidthMbps: pos, rttMs: nonneg })).optional(),
});

export const profileRowSchema = z.strictObject({
  app: z.string().min(1),
  module: z.string().min(1),
  variant: z.string().min(1).optional(),
  accelerator: z.string().min(1),
  maxFps: pos,
  latencyMs: nonneg,
  cpuCores: nonneg.default(0),
  memoryMB: nonneg.default(0),
  gpuMemoryMB: nonneg.optional(),
});
export const profilesFileSchema = z.array(profileRowSchema);

export const deploymentsFileSchema = z
  .array(
    z.strictObject({
      name: z.string().min(1).max(253),
      app: z.string().min(1),
      fps: pos.max(10000),
      latencyMs: pos,
      priority: z.number().int().optional(),
    }),
  )
  .superRefine((ds, ctx) => {
    const seen = new Set<string>();
    ds.forEach((d, i) => {
      if (seen.has(d.name))
        ctx.addIssue({ code: 'custom', message: `duplicate deployment name "${d.name}"`, path: [i, 'name'] });
      seen.add(d.name);
    });
  });

export const planFileSchema = z
  .object({
    strategy: z.string(),
    placements: z.array(
      z.object({
        deployment: z.string(),
        module: z.string(),
        variant: z.string().optional(),
        node: z.string(),
        accelerator: z.string(),
        fps: pos,
      }),
    ),
    rejected: z.array(z.object({ deployment: z.string(), reason: z.string() })),
    latencyMs: z.record(z.string(), z.number()),
    utilisation: z.record(z.string(), z.number()),
    solveMs: z.number(),
    moves: z.number().optional(),
    replan: z.enum(['kept', 'moved', 'fresh']).optional(),
    status: z.string().optional(),
    gap: z.number().optional(),
    solverGap: z.number().optional(),
  })
  .passthrough();

function parseWith<T>(schema: z.ZodType<T>, text: string | unknown, file: string): T {
  let raw: unknown = text;
  if (typeof text === 'string') {
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new ValidationError(`${file}: not valid JSON (${(e as Error).message})`, file);
    }
  }
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const at = fieldPath([...issue.path, ...(keys.length ? [keys[0]!] : [])]) || '(top level)';
  const why = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
  throw new ValidationError(`${file}: ${at}: ${why}`, at);
}

export const parseClusterFile = (text: string | unknown, file = 'cluster'): ClusterSpec =>
  parseWith(clusterFileSchema, text, file) as ClusterSpec;
export const parseProfilesFile = (text: string | unknown, file = 'profiles'): Profile[] =>
  parseWith(profilesFileSchema, text, file) as Profile[];
export const parseDeploymentsFile = (text: string | unknown, file = 'deployments'): Deployment[] =>
  parseWith(deploymentsFileSchema, text, file);
export const parsePlanFile = (text: string | unknown, file = 'plan'): Plan => parseWith(planFileSchema, text, file);

/** The apps file: an array of manifests; an error names the file, the app index and the field. */
export function parseAppsFile(text: string | unknown, file = 'apps'): AppSpec[] {
  const list = parseWith(z.array(z.unknown()), text, file);
  const names = new Set<string>();
  return list.map((m, i) => {
    try {
      const app = parseManifest(m);
      if (names.has(app.name)) throw new ValidationError(`manifest field name: duplicate app "${app.name}"`, 'name');
      names.add(app.name);
      return app;
    } catch (e) {
      if (e instanceof ValidationError)
        throw new ValidationError(`${file}: [${i}] ${e.message}`, `[${i}].${e.field ?? ''}`);
      throw e;
    }
  });
}
