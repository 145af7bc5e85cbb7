/**
 * The benchmark's instances: the paper testbed (its own deployment file,
 * cycled to each offered load) and generated clusters of 8, 64 and 512 nodes
 * (the testbed's node types, apps, profiles and deployment shape; seeded).
 * Load 1.0 = the fps the cluster could serve for that app mix under the
 * capacity-only LP relaxation (lp-bound.ts, `mix`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MilpSolver } from '../../src/domain/placement/milp.js';
import { buildProblem } from '../../src/domain/placement/problem.js';
import { capacityBound } from '../../src/domain/placement/lp-bound.js';
import {
  parseAppsFile,
  parseClusterFile,
  parseDeploymentsFile,
  parseProfilesFile,
} from '../../src/domain/placement/plan-files.js';
import {
  cycleDeployments,
  generateCluster,
  generateDeployments,
  shapeOf,
} from '../../src/domain/placement/workload-gen.js';
import type { AppSpec, ClusterSpec, Deployment, Profile } from '../../src/domain/types.js';

/** The paper testbed: the sample workload shipped with the repository (the tests read it too). */
export const TESTBED = process.env.RIM_TESTBED ?? 'samples/workloads/paper-testbed';

export interface Catalogue {
  cluster: ClusterSpec;
  apps: AppSpec[];
  profiles: Profile[];
  deployments: Deployment[];
}

export function loadTestbed(dir = TESTBED): Catalogue {
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return {
    cluster: parseClusterFile(read('cluster.json'), 'cluster.json'),
    apps: parseAppsFile(read('apps.json'), 'apps.json'),
    profiles: parseProfilesFile(read('profiles.json'), 'profiles.json'),
    deployments: parseDeploymentsFile(read('deployments.json'), 'deployments.json'),
  };
}

export interface Scenario {
  name: string;
  cluster: ClusterSpec;
  /** fps of load 1.0 */
  capacityFps: number;
  /** the deployments offered at a load */
  at(load: number): Deployment[];
  /** run `optimal` on it (small instances only) */
  optimal: boolean;
}

export function scenarios(cat: Catalogue, solver: MilpSolver, sizes: readonly number[]): Scenario[] {
  const shape = shapeOf(cat.deployments);
  const capacity = (cluster: ClusterSpec) =>
    capacityBound(buildProblem(cluster, cat.apps, cat.profiles, []), solver, { mix: shape.apps }).fps;
  const paperCap = capacity(cat.cluster);
  const out: Scenario[] = [
    {
      name: 'paper-testbed',
      cluster: cat.cluster,
      capacityFps: paperCap,
      at: (load) => cycleDeployments(cat.deployments, load * paperCap),
      optimal: true,
    },
  ];
  for (const n of sizes) {
    const cluster = generateCluster({ nodes: n, seed: n });
    const cap = capacity(cluster);
    out.push({
      name: `generated-${n}`,
      cluster,
      capacityFps: cap,
      at: (load) => generateDeployments({ shape, totalFps: load * cap, seed: 1000 + n }),
      optimal: n <= 8,
    });
  }
  return out;
}
