/**
 * Keys of a plan's `utilisation` map: `"<node>/<accelerator>"`, the node's
 * cores as `"<node>/cpu"`. Accelerator ids repeat across boxes (every
 * emulated box has an `emu0`), so the node is part of the key. Accelerator ids
 * hold no `/` (plan-files.ts refuses one), so the last `/` splits a key.
 */
import { CPU } from './problem.js';

export const utilisationKey = (nodeId: string, acceleratorId: string): string => `${nodeId}/${acceleratorId}`;

/** Key of a node's cores. */
export const coresKey = (nodeId: string): string => utilisationKey(nodeId, CPU);

/** The node and accelerator a key names; undefined for a key without a node (plans older than this keying). */
export function splitUtilisationKey(key: string): { node: string; accelerator: string } | undefined {
  const i = key.lastIndexOf('/');
  if (i <= 0 || i === key.length - 1) return undefined;
  return { node: key.slice(0, i), accelerator: key.slice(i + 1) };
}
