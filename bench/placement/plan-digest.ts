/**
 * Digests of `rim`'s plans on fixed instances, one line each: to check that
 * a change meant only to make the planner faster leaves every plan exactly
 * as it was. Run it before and after, and diff:
 *   node --import tsx bench/placement/plan-digest.ts > before.txt
 *   ... change ...
 *   node --import tsx bench/placement/plan-digest.ts | diff before.txt -
 * No clock is passed, so the search runs its step count only (the time limit
 * would make plans depend on the machine's speed); `solveMs` is left out.
 * Instances: the paper testbed (its file, and cycled to 207 and 300 fps),
 * generated clusters of 8, 64 (paper-like and mixed) and 512 nodes
 * (2,000 deployments), and re-plans after a node's loss, both policies.
 */
import { createHash } from 'node:crypto';
import { planPlacement } from '../../src/domain/placement/index.js';
import type { ReplanPolicy } from '../../src/domain/placement/strategy.js';
import {
  CPU_ONLY_TYPES,
  PAPER_NODE_TYPES,
  cycleDeployments,
  generateCluster,
  generateDeployments,
  type NodeType,
  shapeOf,
} from '../../src/domain/placement/workload-gen.js';
import type { ClusterSpec, Deployment, Plan } from '../../src/domain/types.js';
import { busiestNode } from './replan.js';
import { loadTestbed } from './scenarios.js';

const cat = loadTestbed();
const shape = shapeOf(cat.deployments);

function digest(plan: Plan): string {
  const { solveMs: _ignored, ...rest } = plan;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

function line(name: string, plan: Plan, deployments: readonly Deployment[]): void {
  const rejected = new Set(plan.rejected.map((r) => r.deployment));
  const fps = deployments.filter((d) => !rejected.has(d.name)).reduce((a, d) => a + d.fps, 0);
  const admitted = deployments.length - rejected.size;
  process.stdout.write(`${name}: ${admitted}/${deployments.length} admitted, ${fps} fps, ${digest(plan)}\n`);
}

function run(name: string, cluster: ClusterSpec, deployments: Deployment[], replan = false): void {
  const plan = planPlacement(cluster, cat.apps, cat.profiles, deployments, { strategy: 'rim' });
  line(name, plan, deployments);
  if (!replan) return;
  const lost = busiestNode(plan);
  const after = { ...cluster, nodes: cluster.nodes.filter((n) => n.id !== lost) };
  for (const policy of ['admit-more', 'minimal'] as ReplanPolicy[]) {
    const again = planPlacement(after, cat.apps, cat.profiles, deployments, { strategy: 'rim', replan: policy }, plan);
    line(`${name}, re-plan without ${lost} (${policy})`, again, deployments);
  }
}

run('paper testbed, deployments.json', cat.cluster, cat.deployments, true);
run('paper testbed, 207 fps', cat.cluster, cycleDeployments(cat.deployments, 207));
run('paper testbed, 300 fps', cat.cluster, cycleDeployments(cat.deployments, 300));
for (const fps of [190, 300]) {
  run(
    `generated 8, ${fps} fps`,
    generateCluster({ nodes: 8, seed: 8 }),
    generateDeployments({ shape, totalFps: fps, seed: 1008 }),
  );
}
const kinds: Array<[string, NodeType[]]> = [
  ['paper-like', PAPER_NODE_TYPES],
  ['mixed', [...PAPER_NODE_TYPES, ...CPU_ONLY_TYPES]],
];
for (const [kind, types] of kinds) {
  for (const seed of [1, 2]) {
    const cluster = generateCluster({ nodes: 64, seed, types });
    run(
      `${kind} 64 seed ${seed}`,
      cluster,
      generateDeployments({ shape, totalFps: 1400, seed: 500 + seed }),
      seed === 1,
    );
  }
}
run(
  'generated 512, 2000 deployments',
  generateCluster({ nodes: 512, seed: 512 }),
  generateDeployments({ shape, totalFps: Infinity, count: 2000, seed: 7 }),
);
