/**
 * One executor per step kind (balena-supervisor's composition-steps.ts).
 * Each applies one step against the engine; `wait` is the loop's business.
 * The restart book's side of a step is pure: `bookAfter` in the domain.
 */
import type { ContainerEngine } from '../adapters/container-engine.js';
import { isNotFound } from '../domain/errors.js';
import type { Step, StepKind } from '../domain/supervisor/steps.js';

export interface ExecutorContext {
  engine: ContainerEngine;
  /** Seconds a replica gets to stop before it is killed. */
  stopGraceS: number;
}

type StepOf<K extends StepKind> = Extract<Step, { kind: K }>;
type Executor<K extends StepKind> = (step: StepOf<K>, ctx: ExecutorContext) => Promise<void>;

export const executors: { [K in StepKind]: Executor<K> } = {
  async create(step, ctx) {
    await ctx.engine.create(step.spec);
  },
  async start(step, ctx) {
    await ctx.engine.start(step.containerId);
  },
  async stop(step, ctx) {
    try {
      await ctx.engine.stop(step.containerId, ctx.stopGraceS);
    } catch (e) {
      if (!isNotFound(e)) throw e; // already gone: nothing to stop
    }
  },
  async remove(step, ctx) {
    await ctx.engine.remove(step.containerId);
  },
  async wait() {
    // The loop sleeps until the earliest wait; nothing to do against Docker.
  },
};

export function applyStep(step: Step, ctx: ExecutorContext): Promise<void> {
  return (executors[step.kind] as Executor<StepKind>)(step as never, ctx);
}
