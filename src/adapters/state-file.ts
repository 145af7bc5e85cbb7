/**
 * The state file's format: `{cluster, local}`, validated whole on load. A file
 * that does not pass is damaged, never "empty": read as empty, it would make
 * the supervisor remove every replica this box runs.
 */
import { z } from 'zod';
import { clusterDocumentSchema, issueField } from '../domain/cluster-document-schema.js';
import type { ClusterDocument } from '../domain/types.js';
import type { NodeLocalState } from './store.js';

const ref = { term: z.number().int().nonnegative(), index: z.number().int().nonnegative() };
const entry = z.looseObject({ ...ref, voters: z.array(z.string().min(1)), data: clusterDocumentSchema });

/** What this node alone keeps; keys other modules add (ports, raft) are checked when known, kept when not. */
const localSchema = z.looseObject({
  nodeId: z.string().min(1).max(63),
  createdAt: z.number().int().nonnegative(),
  ports: z.record(z.string(), z.number().int().min(1).max(65535)).optional(),
  /** The election's persisted term, vote and log: a damaged vote could elect two leaders. */
  raft: z
    .looseObject({
      term: z.number().int().nonnegative(),
      votedFor: z.string().min(1).nullable(),
      committed: entry.nullable(),
      pending: z.array(entry),
    })
    .optional(),
});

const stateFileSchema = z.strictObject({ cluster: clusterDocumentSchema, local: localSchema });

export interface StateFile {
  cluster: ClusterDocument;
  local: NodeLocalState;
}

/** Why `text` is not a valid state file (naming the field), or the file's content. */
export function parseStateFile(text: string): { ok: true; data: StateFile } | { ok: false; why: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    // V8's message quotes the text around the fault; only the position is kept.
    const at = /position \d+(?: \(line \d+ column \d+\))?/.exec((e as Error).message)?.[0];
    return { ok: false, why: `not valid JSON${at ? ` at ${at}` : ''}` };
  }
  const r = stateFileSchema.safeParse(raw);
  if (r.success) return { ok: true, data: r.data as StateFile };
  const issue = r.error.issues[0]!;
  const field = issueField(issue) || '(the whole file)';
  const why = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
  return { ok: false, why: `field ${field}: ${why}` };
}
