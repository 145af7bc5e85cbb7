/**
 * rim's solve time alone (bench:placement measures it too, among much
 * else, in one long run): `--cold N` fresh processes placing 2,000
 * deployments on 512 nodes with the appliance's node flags (cold-probe.ts,
 * memory-probe.ts: wall and CPU of the solve,
 * and the process's start), then the paper testbed (its file, and cycled to
 * load 1.0) and 512 × 2,000 planned repeatedly in this process (first call,
 * warm medians). Prints min / median / max and, with `--write`, puts them in
 * bench/results/placement.json (timing, plannerMemory, the solve-time
 * targets), leaving the rest of that file as its last full run wrote it.
 *   node --import tsx bench/placement/solve-time.ts --cold 5 [--write]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { HighsSolver } from '../../src/adapters/highs-solver.js';
import { planPlacement } from '../../src/domain/placement/index.js';
import { capacityBound } from '../../src/domain/placement/lp-bound.js';
import { buildProblem } from '../../src/domain/placement/problem.js';
import {
  cycleDeployments,
  generateCluster,
  generateDeployments,
  shapeOf,
} from '../../src/domain/placement/workload-gen.js';
import type { ClusterSpec, Deployment } from '../../src/domain/types.js';
import { type ColdProbe, coldProbe } from './cold-probe.js';
import { loadTestbed } from './scenarios.js';
import type { Target, Timing } from './targets.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const coldRuns = Number(arg('--cold') ?? 5);
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)]!;
const range = (xs: number[]) =>
  `min ${Math.min(...xs).toFixed(0)}, median ${median(xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}`;

const probes: ColdProbe[] = [];
const loads: number[] = [];
for (let i = 0; i < coldRuns; i++) {
  loads.push(loadavg()[0]!);
  const r = coldProbe();
  if (!r.ok) throw new Error(`memory probe failed: ${r.why}`);
  probes.push(r.probe);
  process.stderr.write(`cold run ${i + 1}: ${JSON.stringify(r.probe)}\n`);
}
const cold = {
  runs: coldRuns,
  solveMs: probes.map((p) => p.solveMs),
  cpuMs: probes.map((p) => p.cpuMs),
  startMs: probes.map((p) => p.startMs),
  loadAverage: loads.map((l) => Number(l.toFixed(1))),
};
process.stdout.write(
  `512 nodes × 2,000 deployments, cold process (${coldRuns} runs, ${cpus().length} cores, ` +
    `load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}):\n` +
    `  solve wall ms: ${range(cold.solveMs)}\n  solve CPU ms (all threads): ${range(cold.cpuMs)}\n` +
    `  process start before the solve (tsx, imports, workload) ms: ${range(cold.startMs)}\n`,
);

const cat = loadTestbed();
const solver = await HighsSolver.load();
const paperCap = capacityBound(buildProblem(cat.cluster, cat.apps, cat.profiles, []), solver, {
  mix: shapeOf(cat.deployments).apps,
}).fps;
const timing: Timing[] = [];
const time = (name: string, cluster: ClusterSpec, deployments: Deployment[], runs: number) => {
  const ms: number[] = [];
  const cpu: number[] = [];
  const fps: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const plan = planPlacement(cluster, cat.apps, cat.profiles, deployments, {
      strategy: 'rim',
      clock: () => performance.now(),
    });
    const c = process.cpuUsage(c0);
    ms.push(plan.solveMs);
    cpu.push((c.user + c.system) / 1000);
    const rejected = new Set(plan.rejected.map((r) => r.deployment));
    fps.push(deployments.filter((d) => !rejected.has(d.name)).reduce((a, d) => a + d.fps, 0));
  }
  const t: Timing = {
    name,
    deployments: deployments.length,
    nodes: cluster.nodes.length,
    firstMs: ms[0]!,
    warmMedianMs: median(ms.slice(1)),
    warmMedianCpuMs: Number(median(cpu.slice(1)).toFixed(1)),
    admittedFps: [Math.min(...fps), Math.max(...fps)],
  };
  timing.push(t);
  process.stdout.write(
    `${name}: first ${t.firstMs.toFixed(1)} ms, warm wall ${range(ms.slice(1))}, ` +
      `warm CPU median ${t.warmMedianCpuMs} ms, admitted ${fps.join(' ')} fps\n`,
  );
};
time('paper-testbed, load 1.0', cat.cluster, cycleDeployments(cat.deployments, paperCap), 11);
time('paper-testbed, deployments.json', cat.cluster, cat.deployments, 11);
const big = generateCluster({ nodes: 512, seed: 512 });
const d2000 = generateDeployments({ shape: shapeOf(cat.deployments), totalFps: Infinity, count: 2000, seed: 7 });
time('512 nodes, 2000 deployments', big, d2000, 4);

if (process.argv.includes('--write')) {
  const file = 'bench/results/placement.json';
  const res = JSON.parse(readFileSync(file, 'utf8')) as {
    timing: Timing[];
    plannerMemory?: ColdProbe;
    targets: Target[];
    [k: string]: unknown;
  };
  const mid = probes.find((p) => p.solveMs === median(cold.solveMs))!;
  res.timing = timing;
  res.plannerMemory = mid;
  res.coldSolve = { ...cold, measuredBy: 'bench/placement/solve-time.ts', at: new Date().toISOString() };
  const solveTargets: Target[] = timing.map((x) => {
    const limit = x.nodes >= 512 ? 1000 : 50;
    return {
      target: `solve time, ${x.name}: < ${limit} ms (one core)`,
      measured:
        `${x.warmMedianMs.toFixed(1)} ms warm median (${x.warmMedianCpuMs.toFixed(1)} ms CPU); ` +
        `first call ${x.firstMs.toFixed(1)} ms` +
        (x.admittedFps ? `; admitted ${x.admittedFps[0]}–${x.admittedFps[1]} fps with the clock` : ''),
      met: x.warmMedianMs < limit,
    };
  });
  solveTargets.push({
    target: 'solve time, 512 nodes × 2,000 deployments in a cold process: < 1 s',
    measured: `${median(cold.solveMs).toFixed(0)} ms median of ${coldRuns} fresh processes (${range(cold.solveMs)})`,
    met: median(cold.solveMs) < 1000,
  });
  res.targets = [...res.targets.filter((t) => !t.target.startsWith('solve time')), ...solveTargets];
  writeFileSync(file, `${JSON.stringify(res, null, 2)}\n`);
  process.stdout.write(`wrote timing, plannerMemory, coldSolve and the solve-time targets in ${file}\n`);
}
