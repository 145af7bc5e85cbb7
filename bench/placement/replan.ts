/**
 * Re-plan after one node's loss: plan at load 1.0, take away the node that
 * hosts the most replicas, re-plan with the first plan as `previous`.
 * Moves (rows of the old plan gone from the new one, of deployments admitted
 * in both) fall in three kinds: forced (the row was on the lost node),
 * displaced (another row of a deployment that lost one: re-arranged around
 * the loss) and untouched (a deployment the loss did not touch moved: only
 * acceptable when it admits more).
 */
import type { MilpSolver } from '../../src/domain/placement/milp.js';
import type { ClusterSpec, Deployment, Plan } from '../../src/domain/types.js';
import { measure } from './measure.js';
import type { Catalogue } from './scenarios.js';

export interface ReplanRow {
  scenario: string;
  strategy: string;
  lostNode: string;
  admittedBefore: number;
  admittedAfter: number;
  moves: number;
  forced: number;
  displaced: number;
  /** moves of deployments the loss did not touch */
  unnecessary: number;
  admittedFpsAfter: number;
  /** rim: "kept" (running replicas stay) or "fresh" (moving admits more) */
  replan?: string;
  solveMs: number;
  violations: number;
}

export function busiestNode(plan: Plan): string {
  const count = new Map<string, number>();
  for (const pl of plan.placements) count.set(pl.node, (count.get(pl.node) ?? 0) + 1);
  return [...count].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? '';
}

export function replanAfterLoss(
  scenario: string,
  cat: Catalogue,
  cluster: ClusterSpec,
  deployments: Deployment[],
  strategy: string,
  solver: MilpSolver,
  lostNode: string,
  first: Plan,
  timeLimitMs?: number,
  policy?: 'minimal' | 'admit-more',
): ReplanRow {
  const survivors: ClusterSpec = { ...cluster, nodes: cluster.nodes.filter((n) => n.id !== lostNode) };
  const { row, plan } = measure(scenario, 1, cat, survivors, deployments, strategy, solver, {
    previous: first,
    timeLimitMs,
    replan: policy,
  });
  const admitted = new Set(plan.placements.map((p) => p.deployment));
  const key = (p: Plan['placements'][number]) =>
    `${p.deployment}|${p.module}|${p.variant ?? 'default'}|${p.node}|${p.accelerator}`;
  const now = new Set(plan.placements.map(key));
  const hit = new Set(first.placements.filter((p) => p.node === lostNode).map((p) => p.deployment));
  const moved = first.placements.filter((p) => admitted.has(p.deployment) && !now.has(key(p)));
  const forced = moved.filter((p) => p.node === lostNode).length;
  const displaced = moved.filter((p) => p.node !== lostNode && hit.has(p.deployment)).length;
  return {
    scenario,
    strategy: policy ? `${strategy} (${policy})` : strategy,
    lostNode,
    admittedBefore: deployments.length - first.rejected.length,
    admittedAfter: row.admitted,
    admittedFpsAfter: row.admittedFps,
    moves: plan.moves ?? 0,
    forced,
    displaced,
    unnecessary: moved.length - forced - displaced,
    replan: plan.replan,
    solveMs: plan.solveMs,
    violations: row.violations,
  };
}
