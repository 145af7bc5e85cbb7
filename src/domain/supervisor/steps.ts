/**
 * What the supervisor does, as data (balena-supervisor's composition steps):
 * `nextSteps` returns these, one executor per kind applies them.
 */
import type { ReplicaSpec } from '../types.js';

export type Step =
  | { kind: 'create'; spec: ReplicaSpec }
  | { kind: 'start'; containerId: string; name: string }
  | { kind: 'stop'; containerId: string; name: string }
  | { kind: 'remove'; containerId: string; name: string }
  /** Nothing to do for `name` before `until` (epoch ms): a restart backoff. */
  | { kind: 'wait'; until: number; name: string };

export type StepKind = Step['kind'];

/** Order within one round: free names and ports first, then create, start, and waits last. */
export const STEP_ORDER: Record<StepKind, number> = { stop: 0, remove: 1, create: 2, start: 3, wait: 4 };

export function describeStep(s: Step): string {
  switch (s.kind) {
    case 'create':
      return `create ${s.spec.name}`;
    case 'wait':
      return `wait ${s.name} until ${new Date(s.until).toISOString()}`;
    default:
      return `${s.kind} ${s.name} (${s.containerId.slice(0, 12)})`;
  }
}
