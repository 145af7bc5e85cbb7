/**
 * The chaos run's fault schedule, from a seed alone: the same seed gives the
 * same faults in the same order with the same targets, hold times and
 * deploy/undeploy churn. Targets are abstract (a box by its number, or "the
 * leader at that moment"), so the schedule does not depend on what the
 * cluster does. Faults come in rounds, each round every kind once in a
 * seeded order, so a short run still sees most kinds. Pure.
 */
import { rng } from '../../src/domain/placement/workload-gen.js';

export const FAULT_KINDS = [
  'kill-replica',
  'kill-box',
  'kill-leader',
  'partition',
  'pause',
  'restart-docker',
  'fill-disk',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** A change made while the fault is on: deploy a new churn deployment, or undeploy one of those that exist. */
export type ChurnOp =
  | { op: 'deploy'; app: 'noop' | 'synthetic'; via: number }
  /** `pick` chooses among the churn deployments that exist then (pick mod their count). */
  | { op: 'undeploy'; pick: number; via: number };

export interface ScheduledFault {
  index: number;
  kind: FaultKind;
  /** 0-based box number; for kill-leader, the box that leads when the fault starts (resolved then). */
  box: number | 'leader';
  /** How long the fault stays on before it is healed (ms); 0 for instant ones. */
  holdMs: number;
  churn: ChurnOp[];
}

const HOLD_MS: Record<FaultKind, [number, number]> = {
  'kill-replica': [0, 0],
  'kill-box': [4000, 10_000],
  'kill-leader': [4000, 10_000],
  partition: [5000, 12_000],
  pause: [3000, 8000],
  'restart-docker': [0, 0],
  'fill-disk': [5000, 10_000],
};

export function makeSchedule(seed: number, count: number, boxes = 3): ScheduledFault[] {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const out: ScheduledFault[] = [];
  while (out.length < count) {
    const round = [...FAULT_KINDS];
    for (let i = round.length - 1; i > 0; i--) {
      const j = int(0, i);
      [round[i], round[j]] = [round[j]!, round[i]!];
    }
    for (const kind of round) {
      if (out.length >= count) break;
      const [lo, hi] = HOLD_MS[kind];
      const churn: ChurnOp[] = [];
      for (let k = int(1, 2); k > 0; k--) {
        churn.push(
          r() < 0.55
            ? { op: 'deploy', app: r() < 0.75 ? 'noop' : 'synthetic', via: int(0, boxes - 1) }
            : { op: 'undeploy', pick: int(0, 1000), via: int(0, boxes - 1) },
        );
      }
      out.push({
        index: out.length + 1,
        kind,
        box: kind === 'kill-leader' ? 'leader' : int(0, boxes - 1),
        holdMs: lo === hi ? lo : Math.round(int(lo, hi) / 100) * 100,
        churn,
      });
    }
  }
  return out;
}

/** One line per fault, as the run prints it. */
export function scheduleText(s: readonly ScheduledFault[]): string {
  return s
    .map((f) => {
      const target = f.box === 'leader' ? 'the leader' : `box ${f.box + 1}`;
      const churn = f.churn
        .map((c) =>
          c.op === 'deploy' ? `deploy ${c.app} via box ${c.via + 1}` : `undeploy #${c.pick} via box ${c.via + 1}`,
        )
        .join(', ');
      return `${String(f.index).padStart(3)}. ${f.kind} ${target}${f.holdMs ? ` for ${f.holdMs} ms` : ''}; ${churn}`;
    })
    .join('\n');
}
