/**
 * How a frame flows through an app's DAG (Rim's framework: a module's output
 * is the next module's request). Pure: which modules, in which order, and
 * what each one's input is made of.
 *
 * Join semantics: a module with one predecessor gets that module's output as
 * it is (body and content type); a module with several gets a JSON object
 * keyed by predecessor module name, each value that predecessor's output as
 * a UTF-8 string (`{"left":"…","right":"…"}`, keys in manifest order). The
 * answer to the client follows the same rule over the sinks: one sink, its
 * body and content type; several, a JSON object by sink name.
 */
import { topoOrder, type Manifest } from '../manifest.js';

export interface ChainStep {
  module: string;
  /** Index of this step in `steps`. */
  index: number;
  /** Indexes (into `steps`) of the predecessors, in manifest order; empty for the entry. */
  inputs: readonly number[];
}

export interface ChainPlan {
  /** Topological order from the entry. */
  steps: readonly ChainStep[];
  /** Indexes of the modules with no `next`, in manifest order. */
  sinks: readonly number[];
  /** Every step takes the one before it (a plain pipeline): modules can be called one after another. */
  linear: boolean;
}

/** A module's output, or a frame. */
export interface Payload {
  body: Buffer;
  contentType: string;
}

export const JSON_TYPE = 'application/json';

export function chainPlan(manifest: Manifest): ChainPlan {
  const order = topoOrder(manifest);
  const indexOf = new Map(order.map((m, i) => [m.name, i]));
  const manifestRank = new Map(manifest.modules.map((m, i) => [m.name, i]));
  const preds: number[][] = order.map(() => []);
  for (const m of order) for (const n of m.next) preds[indexOf.get(n)!]!.push(indexOf.get(m.name)!);
  const byManifest = (a: number, b: number) => manifestRank.get(order[a]!.name)! - manifestRank.get(order[b]!.name)!;
  const steps = order.map((m, i) => ({ module: m.name, index: i, inputs: [...new Set(preds[i]!)].sort(byManifest) }));
  const sinks = order
    .map((m, i) => (m.next.length === 0 ? i : -1))
    .filter((i) => i >= 0)
    .sort(byManifest);
  const linear = steps.every((s) =>
    s.index === 0 ? s.inputs.length === 0 : s.inputs.length === 1 && s.inputs[0] === s.index - 1,
  );
  return { steps, sinks, linear };
}

/**
 * The request body of `step`, from the outputs so far (indexed like `steps`).
 * The entry gets the frame itself.
 */
export function inputOf(
  plan: ChainPlan,
  step: ChainStep,
  frame: Payload,
  outputs: readonly (Payload | undefined)[],
): Payload {
  if (step.inputs.length === 0) return frame;
  return merge(plan, step.inputs, outputs);
}

/** The answer to the client: the sinks' output(s). */
export function answerOf(plan: ChainPlan, outputs: readonly (Payload | undefined)[]): Payload {
  return merge(plan, plan.sinks, outputs);
}

function merge(plan: ChainPlan, from: readonly number[], outputs: readonly (Payload | undefined)[]): Payload {
  if (from.length === 1) return required(plan, from[0]!, outputs);
  const joined: Record<string, string> = {};
  for (const i of from) joined[plan.steps[i]!.module] = required(plan, i, outputs).body.toString('utf8');
  return { body: Buffer.from(JSON.stringify(joined)), contentType: JSON_TYPE };
}

function required(plan: ChainPlan, i: number, outputs: readonly (Payload | undefined)[]): Payload {
  const out = outputs[i];
  if (!out) throw new Error(`chain: output of ${plan.steps[i]!.module} needed before it exists`);
  return out;
}
