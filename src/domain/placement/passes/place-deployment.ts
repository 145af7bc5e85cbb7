/**
 * One deployment's tries, at each variant level (variant-levels.ts): the
 * whole DAG on one node, first on the nodes whose GPU it fits by latency
 * (leaving fast GPUs to tight deployments), then best-fit, then the least
 * loaded; then a split across nodes, packed, then latency-first, and (in
 * the last-chance pass only) thin. The first try that keeps every latency
 * target on the touched nodes is placed. With `detours` (the search), a
 * split that fails only by pushing a tenant over its target is rebuilt
 * without that tenant's nodes.
 * O(levels · (N·G + tries · M·S + T)); see candidate-nodes.ts and drafts.ts.
 */
import type { ClusterState, Failure } from '../cluster-state.js';
import type { DeploymentInfo } from '../problem.js';
import { splitNodes, type WholeDagLimits, wholeDagNodes } from './candidate-nodes.js';
import { buildDraft, type Mode, type SlotIndex } from './drafts.js';

/**
 * Whole-DAG nodes tried per level: `slack` first by latency fit (the GPU
 * that uses most of the target: fast GPUs stay free for tight deployments),
 * then `pack` by best fit, then `spread` by loaded latency.
 */
const WHOLE_DAG: WholeDagLimits = { pack: 4, spread: 2, slack: 2 };
/** A split looks at this many nodes (the roomiest, plus the whole-DAG candidates). */
const SPLIT_NODES = 16;

export interface TryOptions {
  /** Also try a thin split (modules spread over more replicas to meet their share of a tight target). */
  thin?: boolean;
  /** Also try a level split, before the thin one (level-split.ts: the GPU modules together, GPUs filled to a level). */
  level?: boolean;
  /** Rebuild a split that pushed a tenant over its target without that tenant's nodes (tryWithDetours). */
  detours?: boolean;
}

/** Retries of a split that pushed a tenant over its target, each avoiding that tenant's nodes. */
const DETOURS = 2;

/**
 * Builds and tries one candidate. A split (several nodes) that pushes a
 * tenant over its latency target (the per-slot caps are a filter, not the
 * judge: a tenant on two slots of a node tolerates less than each cap says)
 * is rebuilt without that tenant's nodes, up to DETOURS times.
 * O(DETOURS · cost of a draft). undefined: placed.
 */
export function tryWithDetours(
  state: ClusterState,
  index: SlotIndex,
  d: DeploymentInfo,
  variants: readonly string[],
  mode: Mode,
  nodes: readonly number[] | undefined,
  detours: number,
): Failure | undefined {
  let f: Failure | undefined = { kind: 'room' };
  let allowed = nodes;
  const avoid = new Set<number>();
  for (let detour = 0; detour <= detours; detour++) {
    const draft = buildDraft(state, index, d, variants, mode, allowed);
    if (!draft) return f;
    f = state.tryPlace(d.index, draft.shares);
    const single = allowed !== undefined && allowed.length <= 1;
    if (!f || f.kind !== 'others' || single || mode === 'pack') return f;
    for (const s of state.shares[f.dep]!) avoid.add(state.p.slots[s.slot]!.node);
    allowed = (allowed ?? state.p.nodes.map((n) => n.index)).filter((n) => !avoid.has(n));
    if (!allowed.length) return f;
  }
  return f;
}

/** One candidate: a draft mode on these nodes (undefined: any). */
export interface Candidate {
  mode: Mode;
  nodes?: number[];
}

/**
 * The candidates of one variant level, in the order they are tried; `split` (the split's nodes) is computed
 * when null and returned for the next level. O(N·G) for the node rankings.
 */
export function candidateTries(
  state: ClusterState,
  d: DeploymentInfo,
  variants: readonly string[],
  options: TryOptions,
  split: number[] | undefined | null = null,
): { list: Candidate[]; split: number[] | undefined } {
  const { pack, spread, slack } = wholeDagNodes(state, d, variants, WHOLE_DAG);
  const nodes = split === null ? splitNodes(state, d, [...pack, ...spread], SPLIT_NODES) : split;
  const list: Candidate[] = [
    ...slack.map((node) => ({ mode: 'pack' as Mode, nodes: [node] })),
    ...pack.filter((node) => !slack.includes(node)).map((node) => ({ mode: 'pack' as Mode, nodes: [node] })),
    ...spread.filter((node) => !pack.includes(node)).map((node) => ({ mode: 'latency' as Mode, nodes: [node] })),
    { mode: 'pack', nodes },
    { mode: 'latency', nodes },
    ...(options.level ? [{ mode: 'level' as Mode, nodes: undefined }] : []),
    ...(options.thin ? [{ mode: 'thin' as Mode, nodes }] : []),
  ];
  return { list, split: nodes };
}

/** Tries the candidates for one deployment. undefined: placed; else why the last (or most telling) try failed. */
export function placeDeployment(
  state: ClusterState,
  index: SlotIndex,
  d: DeploymentInfo,
  levels: string[][],
  options: TryOptions = {},
): Failure | undefined {
  let last: Failure | undefined;
  let split: number[] | undefined | null = null; // computed once: failed tries leave the state as it was
  for (const variants of levels) {
    const tries = candidateTries(state, d, variants, options, split);
    split = tries.split;
    for (const t of tries.list) {
      const f = tryWithDetours(state, index, d, variants, t.mode, t.nodes, options.detours ? DETOURS : 0);
      if (!f) return undefined;
      // Keep the most telling failure: the closest miss on latency, else the last.
      if (!last || last.kind !== 'latency' || (f.kind === 'latency' && f.ms < last.ms)) last = f;
    }
  }
  return last ?? { kind: 'room' };
}
