/** Placement test fixtures: the paper testbed, small synthetic apps, and a validity assertion. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { planPlacement } from '../../../../src/domain/placement/index.js';
import type { MilpSolver } from '../../../../src/domain/placement/milp.js';
import {
  parseAppsFile,
  parseClusterFile,
  parseDeploymentsFile,
  parseProfilesFile,
} from '../../../../src/domain/placement/plan-files.js';
import { buildProblem } from '../../../../src/domain/placement/problem.js';
import type { PlanOptions } from '../../../../src/domain/placement/strategy.js';
import { validatePlan } from '../../../../src/domain/placement/validator.js';
import { parseManifest } from '../../../../src/domain/manifest.js';
import type { AppSpec, ClusterSpec, Deployment, Plan, Profile } from '../../../../src/domain/types.js';

/** The sample workload shipped with the repository (samples/workloads/paper-testbed). */
export const TESTBED_DIR = fileURLToPath(new URL('../../../../samples/workloads/paper-testbed/', import.meta.url));

export interface Workload {
  cluster: ClusterSpec;
  apps: AppSpec[];
  profiles: Profile[];
  deployments: Deployment[];
}

export function testbed(): Workload {
  const read = (f: string) => readFileSync(TESTBED_DIR + f, 'utf8');
  return {
    cluster: parseClusterFile(read('cluster.json')),
    apps: parseAppsFile(read('apps.json')),
    profiles: parseProfilesFile(read('profiles.json')),
    deployments: parseDeploymentsFile(read('deployments.json')),
  };
}

export const HEURISTICS = ['rim', 'nexus', 'spread', 'ffd'] as const;

/** Plans and asserts the plan passes the validator and accounts for every deployment. */
export function planValid(w: Workload, options: PlanOptions, previous?: Plan): Plan {
  const plan = planPlacement(w.cluster, w.apps, w.profiles, w.deployments, options, previous);
  const p = buildProblem(w.cluster, w.apps, w.profiles, w.deployments, options.headroom);
  const violations = validatePlan(p, plan);
  assert.deepEqual(violations, [], `${options.strategy}: ${violations.map((v) => v.message).join('; ')}`);
  const named = new Set([...plan.placements.map((x) => x.deployment), ...plan.rejected.map((x) => x.deployment)]);
  assert.equal(named.size, w.deployments.length);
  for (const r of plan.rejected) assert.ok(r.reason.length > 10, `a reason for ${r.deployment}`);
  return plan;
}

export const admitted = (plan: Plan): Set<string> => new Set(plan.placements.map((x) => x.deployment));

/** A linear GPU app: `cpu` decode → GPU modules → (nothing). */
export function chainApp(
  name: string,
  gpuModules: string[],
  opts: { variants?: Record<string, string>; frameKB?: number } = {},
): AppSpec {
  const mods = ['decode', ...gpuModules];
  return parseManifest({
    apiVersion: 'rim/v1',
    name,
    entry: 'decode',
    modules: mods.map((m, i) => ({
      name: m,
      image: 'self',
      accelerator: i === 0 ? 'cpu' : 'gpu',
      next: i + 1 < mods.length ? [mods[i + 1]] : [],
      frameKB: opts.frameKB ?? 100,
      ...(opts.variants?.[m] ? { variants: [{ name: opts.variants[m], quality: 0.7 }] } : {}),
    })),
  });
}

export function gpuNode(id: string, gpus: Array<[string, number]>, cpus = 8, memoryMB = 32768) {
  return {
    id,
    cpus,
    memoryMB,
    accelerators: gpus.map(([model, mem], i) => ({ id: `${id}-gpu${i}`, model, memoryMB: mem })),
  };
}

export function prof(
  app: string,
  module: string,
  accelerator: string,
  maxFps: number,
  latencyMs: number,
  extra: Partial<Profile> = {},
): Profile {
  return {
    app,
    module,
    accelerator,
    maxFps,
    latencyMs,
    cpuCores: 0.5,
    memoryMB: 500,
    gpuMemoryMB: accelerator === 'cpu' ? undefined : 1000,
    ...extra,
  };
}

export const NET = { bandwidthMbps: 1000, rttMs: 0.5 };

/**
 * One node, GPUs F (fast) and S (slow), for the re-packing tests. `tight`: decode (CPU, 1 ms) → m: on F 10 ms,
 * 100 fps per GPU; on S 20 ms, 50 fps. `bulk`: decode → n, 1 ms and 100 fps on either GPU. A 10 fps `tight`
 * within 30 ms tolerates utilisation ≤ ~0.3 on S and ≤ ~0.65 on F.
 */
export function fastSlowProblem(deployments: Deployment[]) {
  return buildProblem(
    {
      nodes: [
        gpuNode(
          'n1',
          [
            ['F', 8000],
            ['S', 8000],
          ],
          16,
        ),
      ],
      network: NET,
    },
    [chainApp('tight', ['m'], { frameKB: 1 }), chainApp('bulk', ['n'], { frameKB: 1 })],
    [
      prof('tight', 'decode', 'cpu', 1000, 1, { cpuCores: 0.01 }),
      prof('tight', 'm', 'F', 100, 10),
      prof('tight', 'm', 'S', 50, 20),
      prof('bulk', 'decode', 'cpu', 1000, 1, { cpuCores: 0.01 }),
      prof('bulk', 'n', 'F', 100, 1),
      prof('bulk', 'n', 'S', 100, 1),
    ],
    deployments,
  );
}

/** A chain deployment's shares: its decode on `cpu`, its one GPU module on `gpu`, both at `fps`. */
export const chainShares = (dep: number, cpu: number, gpu: number, fps: number) => [
  { dep, module: 0, variant: 'default', slot: cpu, fps },
  { dep, module: 1, variant: 'default', slot: gpu, fps },
];

let solver: MilpSolver | undefined;
export async function milpSolver(): Promise<MilpSolver> {
  const { HighsSolver } = await import('../../../../src/adapters/highs-solver.js');
  solver ??= await HighsSolver.load();
  return solver;
}
