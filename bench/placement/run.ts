/**
 * npm run bench:placement — every strategy on the paper testbed and on
 * generated clusters of 8, 64 and 512 nodes, offered load 0.25 → 1.5 of
 * capacity: admitted deployments and fps, share of the capacity-only LP
 * bound, the highest load with every deployment admitted, GPU utilisation,
 * moves on re-plan after a node's loss, solve time. Prints tables and the
 * targets (met / not met); writes bench/results/placement.json and
 * bench/results/placement-fps-vs-load.svg. Every plan goes through the
 * validator; a violation is reported, never hidden.
 *
 *   npm run bench:placement [-- --sizes 8,64,512] [-- --optimal-ms 10000] [-- --quick]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { HighsSolver } from '../../src/adapters/highs-solver.js';
import { lpUpperBound } from '../../src/domain/placement/lp-bound.js';
import { buildProblem } from '../../src/domain/placement/problem.js';
import { chart } from './chart.js';
import { coldProbe } from './cold-probe.js';
import { measure, type Row } from './measure.js';
import { busiestNode, replanAfterLoss, type ReplanRow } from './replan.js';
import { loadTestbed, scenarios } from './scenarios.js';
import { evaluateTargets, type Timing } from './targets.js';
import { printReport } from './report.js';
import { boundRow, generatedWorkloads, maximal } from './bound-study.js';
import { boundTable, boundTargets } from './bound-report.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const sizes = (flag('sizes') ?? (quick ? '8,64' : '8,64,512')).split(',').map(Number);
const optimalMs = Number(flag('optimal-ms') ?? (quick ? 4000 : 10000));
const LOADS = quick ? [0.5, 1, 1.5] : [0.25, 0.5, 0.75, 1, 1.25, 1.5];
const OPTIMAL_LOADS = quick ? [1] : [0.5, 1, 1.5];
const HEURISTICS = ['rim', 'nexus', 'spread', 'ffd'];
const log = (s: string) => process.stderr.write(`${s}\n`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const solver = await HighsSolver.load();
  const cat = loadTestbed();
  const scns = scenarios(cat, solver, sizes);
  const rows: Row[] = [];
  const replans: ReplanRow[] = [];
  let peakRss = process.memoryUsage().rss;
  for (const scn of scns) {
    for (const load of LOADS) {
      const deployments = scn.at(load);
      const lp = lpUpperBound(buildProblem(scn.cluster, cat.apps, cat.profiles, deployments), solver).fps;
      const strategies = [...HEURISTICS, ...(scn.optimal && OPTIMAL_LOADS.includes(load) ? ['optimal'] : [])];
      for (const s of strategies) {
        const { row, plan } = measure(scn.name, load, cat, scn.cluster, deployments, s, solver, {
          lpBound: lp,
          timeLimitMs: optimalMs,
        });
        rows.push(row);
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        log(
          `${scn.name} load ${load} ${s}: ${row.admitted}/${row.offeredDeployments} deployments, ` +
            `${row.admittedFps} fps (${(row.shareOfLp * 100).toFixed(1)}% of LP), ${row.solveMs.toFixed(1)} ms` +
            (row.violations ? `, ${row.violations} VIOLATIONS: ${row.firstViolation}` : ''),
        );
        if (load === 1 && s !== 'optimal') {
          // Re-plan after the loss of the node that hosts the most of rim's replicas.
          if (s === 'rim') (scn as { lost?: string }).lost = busiestNode(plan);
          const lost = (scn as { lost?: string }).lost ?? busiestNode(plan);
          replans.push(replanAfterLoss(scn.name, cat, scn.cluster, deployments, s, solver, lost, plan, optimalMs));
          if (s === 'rim')
            replans.push(
              replanAfterLoss(scn.name, cat, scn.cluster, deployments, s, solver, lost, plan, optimalMs, 'minimal'),
            );
        }
      }
    }
  }
  // The deployment file as given (its own load), on the paper testbed.
  const given = cat.deployments;
  const paper = scns[0]!;
  const givenLoad = Number((given.reduce((a, d) => a + d.fps, 0) / paper.capacityFps).toFixed(2));
  const givenLp = lpUpperBound(buildProblem(cat.cluster, cat.apps, cat.profiles, given), solver).fps;
  const givenRows = [...HEURISTICS, 'optimal'].map(
    (s) =>
      measure('paper-testbed (deployments.json)', givenLoad, cat, cat.cluster, given, s, solver, {
        lpBound: givenLp,
        timeLimitMs: optimalMs,
      }).row,
  );

  // Issue #11: rim against the latency-aware bound, and the maximal workload by bisection.
  const seeds = quick ? [1] : [1, 2, 3];
  const gens = generatedWorkloads(cat, solver, seeds);
  const boundRows = [
    boundRow(cat, solver, 'paper testbed (deployments.json)', cat.cluster, given),
    boundRow(cat, solver, 'paper testbed, load 1.0', paper.cluster, paper.at(1)),
    ...gens.map((w) => {
      log(`bound: ${w.name}`);
      return boundRow(cat, solver, w.name, w.cluster, w.at(1));
    }),
  ];
  const paperW = { name: 'paper testbed', cluster: paper.cluster, at: paper.at };
  const maximalRows = [paperW, ...gens.filter((w) => w.name.endsWith('seed 1'))].map((w) => {
    log(`maximal: ${w.name}`);
    return maximal(cat, solver, w);
  });
  const fpsOf = (s: string) => givenRows.find((r) => r.strategy === s)?.admittedFps ?? 0;
  const paperFps = { rim: fpsOf('rim'), nexus: fpsOf('nexus'), spread: fpsOf('spread') };
  const issueTargets = boundTargets(paperFps, boundRows, maximalRows);

  // Solve time: rim, cold (first call in this process was above) and warm.
  const timing: Timing[] = [];
  const time = (name: string, cluster: typeof cat.cluster, deployments: typeof given, runs: number) => {
    const ms: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = measure(name, 1, cat, cluster, deployments, 'rim', solver, { lpBound: 1 }).row;
      ms.push(r.solveMs);
      cpu.push(r.cpuMs);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    timing.push({
      name,
      deployments: deployments.length,
      nodes: cluster.nodes.length,
      firstMs: ms[0]!,
      warmMedianMs: median(ms.slice(1)),
      warmMedianCpuMs: median(cpu.slice(1)),
    });
  };
  time('paper-testbed, load 1.0', paper.cluster, paper.at(1), 11);
  time('paper-testbed, deployments.json', paper.cluster, given, 11);
  const big = scns.find((s) => s.cluster.nodes.length === 512);
  if (big) {
    const { generateDeployments, shapeOf } = await import('../../src/domain/placement/workload-gen.js');
    const d2000 = generateDeployments({ shape: shapeOf(cat.deployments), totalFps: Infinity, count: 2000, seed: 7 });
    time('512 nodes, 2000 deployments', big.cluster, d2000, 4);
  }
  // Memory of the planner alone: a fresh process placing 2,000 deployments on 512 nodes (the appliance's flags).
  const probe = coldProbe();
  const memory = probe.ok ? probe.probe : undefined;
  if (!probe.ok) log(`memory probe failed: ${probe.why}`);
  const targets = [...evaluateTargets(rows, givenRows, replans, timing, peakRss, sizes, memory), ...issueTargets];
  process.stdout.write(`${boundTable(boundRows, maximalRows)}\n`);
  printReport(rows, givenRows, replans, timing, targets, peakRss);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/placement.json',
    `${JSON.stringify(
      {
        generatedBy: 'npm run bench:placement',
        node: process.version,
        loads: LOADS,
        optimalTimeLimitMs: optimalMs,
        capacityFps: Object.fromEntries(scns.map((s) => [s.name, Number(s.capacityFps.toFixed(2))])),
        rows,
        asGiven: givenRows,
        bound: boundRows,
        maximal: maximalRows,
        replans,
        timing,
        peakRssMB: Number((peakRss / 1048576).toFixed(1)),
        plannerMemory: memory,
        targets,
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync('bench/results/placement-fps-vs-load.svg', chart(rows));
  log('wrote bench/results/placement.json and bench/results/placement-fps-vs-load.svg');
}

await main();
