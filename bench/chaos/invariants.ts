/**
 * The chaos run's invariants, as pure checks over what it observed:
 *  - one leader per term, over every (term, leader) any box reported;
 *  - every acknowledged change present: a deploy answered 2xx is listed on
 *    every box, an undeploy answered 2xx is on none (a change with no clear
 *    answer may go either way);
 *  - every placement of the plan has its replica running on its node;
 *  - no container without an owner: each Rim container belongs to a live
 *    box and, a replica, to a placement of the current plan (a box's replica
 *    sandbox belongs to its box);
 *  - every admitted deployment that has traffic meets its SLO.
 * Each returns human-readable problems; empty means the invariant holds.
 */

export interface LeaderSample {
  box: string;
  term: number;
  /** The leader this box names for `term` (itself when its role is leader). */
  leader: string | null;
}

/**
 * acked: 2xx; gone: an undeploy answered 404, which proves neither way (a retried removal whose first try was
 * stored answers so, and so does a follower whose own copy lacks a deployment the leader has just acknowledged):
 * present or absent after it; refused: any other 4xx (no change); unknown: no clear answer.
 */
export type OpOutcome = 'acked' | 'gone' | 'refused' | 'unknown';
export interface ChangeOp {
  op: 'deploy' | 'undeploy';
  name: string;
  outcome: OpOutcome;
}
export type Expected = 'present' | 'absent' | 'either';

export interface Container {
  name: string;
  node: string;
  app: string;
  module: string;
  running: boolean;
  /** `rim.role`: replica, profiling, or sandbox (the box's replica sandbox: owned by its box alone). */
  role?: string;
}
export interface PlacementRow {
  deployment: string;
  module: string;
  node: string;
}
export interface DeploymentRow {
  name: string;
  app: string;
  state: string;
  slo: 'met' | 'violated' | null;
}

/** Terms in which two different boxes were named leader. */
export function leadersPerTerm(samples: readonly LeaderSample[]): string[] {
  const byTerm = new Map<number, Map<string, string>>();
  for (const s of samples) {
    if (!s.leader) continue;
    const seen = byTerm.get(s.term) ?? new Map<string, string>();
    if (!seen.has(s.leader)) seen.set(s.leader, s.box);
    byTerm.set(s.term, seen);
  }
  return [...byTerm]
    .filter(([, leaders]) => leaders.size > 1)
    .map(
      ([term, leaders]) =>
        `term ${term} had ${leaders.size} leaders: ` +
        [...leaders].map(([l, by]) => `${l} (reported by ${by})`).join(', '),
    );
}

/** What each name must be after the changes, in order (names start absent). */
export function expectedState(ops: readonly ChangeOp[]): Map<string, Expected> {
  const out = new Map<string, Expected>();
  for (const o of ops) {
    if (o.outcome === 'refused') {
      if (!out.has(o.name)) out.set(o.name, 'absent');
      continue;
    }
    if (o.outcome === 'gone' || o.outcome === 'unknown') out.set(o.name, 'either');
    else out.set(o.name, o.op === 'deploy' ? 'present' : 'absent');
  }
  return out;
}

/** Acknowledged changes a box's deployment list does not reflect. */
export function lostChanges(expected: ReadonlyMap<string, Expected>, listed: readonly string[]): string[] {
  const have = new Set(listed);
  const lost: string[] = [];
  for (const [name, e] of expected) {
    if (e === 'present' && !have.has(name)) lost.push(`deploy ${name} acknowledged but missing`);
    if (e === 'absent' && have.has(name)) lost.push(`undeploy ${name} acknowledged but still listed`);
  }
  return lost;
}

const key = (node: string, app: string, module: string) => `${node}\u0000${app}\u0000${module}`;

/** Placements whose replica is not running on their node. */
export function placementGaps(
  placements: readonly PlacementRow[],
  deployments: readonly DeploymentRow[],
  containers: readonly Container[],
): string[] {
  const running = new Set(containers.filter((c) => c.running).map((c) => key(c.node, c.app, c.module)));
  const appOf = new Map(deployments.map((d) => [d.name, d.app]));
  const gaps: string[] = [];
  for (const p of placements) {
    const app = appOf.get(p.deployment);
    if (app === undefined)
      gaps.push(`placement of ${p.deployment} (${p.module}) for a deployment the box does not list`);
    else if (!running.has(key(p.node, app, p.module)))
      gaps.push(`${p.deployment}: ${app}/${p.module} planned on ${p.node}, not running there`);
  }
  return gaps;
}

/** Containers that belong to no live box, or to no placement of the plan. */
export function orphans(
  containers: readonly Container[],
  placements: readonly PlacementRow[],
  deployments: readonly DeploymentRow[],
  liveBoxes: readonly string[],
): string[] {
  const appOf = new Map(deployments.map((d) => [d.name, d.app]));
  const owned = new Set(placements.map((p) => key(p.node, appOf.get(p.deployment) ?? '', p.module)));
  const out: string[] = [];
  for (const c of containers) {
    if (!liveBoxes.includes(c.node)) out.push(`${c.name}: its box ${c.node} is not running`);
    else if (c.role === 'sandbox') continue;
    else if (!owned.has(key(c.node, c.app, c.module))) out.push(`${c.name} on ${c.node}: no placement of the plan`);
  }
  return out;
}

/** Admitted deployments with traffic whose measured SLO is violated. */
export function sloMisses(deployments: readonly DeploymentRow[]): string[] {
  return deployments
    .filter((d) => d.state === 'admitted' && d.slo === 'violated')
    .map((d) => `${d.name}: SLO violated after recovery`);
}

/** Sorted nearest-rank percentile; null for no data. */
export function percentile(xs: readonly number[], p: number): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
