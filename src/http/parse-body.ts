/** HTTP bodies are untrusted: one zod schema each, errors naming the field. */
import type { z } from 'zod';
import { ValidationError } from '../domain/errors.js';
import { fieldPath } from '../domain/manifest.js';

export function parseBody<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  if (body === undefined || body === null || typeof body !== 'object') {
    throw new ValidationError(`${what}: expected a JSON object body (Content-Type: application/json)`, what);
  }
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const at = fieldPath([...issue.path, ...(keys.length ? [keys[0]!] : [])]) || what;
  const why = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
  throw new ValidationError(`${what} field ${at}: ${why}`, at);
}
