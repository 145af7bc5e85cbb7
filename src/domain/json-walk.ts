/**
 * Walks untrusted JSON without recursion. JSON.parse builds a value nested
 * 20,000 deep without complaint, but anything recursive over it (a naive
 * walk, JSON.stringify, structuredClone, a schema) overflows the stack: that
 * is a 500 where a 400 is due. A walk with an explicit stack and a depth
 * limit refuses such a value first, naming where it became too deep.
 */
import { ValidationError } from './errors.js';

/** Deeper than any document Rim writes (a manifest is about 6 levels deep). */
export const MAX_JSON_DEPTH = 32;

export interface JsonVisit {
  /** The member's key in its parent object; undefined for array items and the root. */
  key?: string;
  value: unknown;
  /** Dotted path as people read it: `modules[0].env`. */
  path: string;
  depth: number;
}

export interface WalkOptions {
  maxDepth?: number;
  /** Names the value in the error: "manifest", "state file". */
  what: string;
}

const join = (path: string, key: string | number) =>
  typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;

/**
 * Visits every value under `root` depth-first in document order. `visit` may
 * throw to refuse, or return false to stop caring about a subtree (its depth
 * is still checked). Throws ValidationError for a value nested deeper than `maxDepth`.
 */
export function walkJson(root: unknown, opts: WalkOptions, visit?: (v: JsonVisit) => boolean | void): void {
  const maxDepth = opts.maxDepth ?? MAX_JSON_DEPTH;
  const stack: (JsonVisit & { quiet: boolean })[] = [{ value: root, path: '', depth: 0, quiet: false }];
  while (stack.length) {
    const node = stack.pop()!;
    const quiet = node.quiet || (visit && node.depth > 0 ? visit(node) === false : false);
    const { value } = node;
    if (!value || typeof value !== 'object') continue;
    if (node.depth >= maxDepth) {
      const at = node.path || opts.what;
      throw new ValidationError(`${opts.what} field ${at}: nested deeper than ${maxDepth} levels`, at);
    }
    const depth = node.depth + 1;
    const children: (JsonVisit & { quiet: boolean })[] = Array.isArray(value)
      ? value.map((v, i) => ({ value: v, path: join(node.path, i), depth, quiet }))
      : Object.entries(value).map(([k, v]) => ({ key: k, value: v, path: join(node.path, k), depth, quiet }));
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
}
