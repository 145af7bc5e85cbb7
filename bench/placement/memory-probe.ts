/**
 * Peak memory of placing 2,000 deployments on 512 nodes with rim, in a
 * process of its own (what a leader pays; no HiGHS, no benchmark state).
 * Prints one JSON line: {"maxRssMB", "heapUsedMB", "solveMs", "cpuMs", ...}: the solve's wall
 * and CPU time (CPU time counts V8's compiler and GC threads too), and the
 * process's own start (tsx and module loading) before the solve, `startMs`.
 */
import { planPlacement } from '../../src/domain/placement/index.js';
import { generateCluster, generateDeployments, shapeOf } from '../../src/domain/placement/workload-gen.js';
import { loadTestbed } from './scenarios.js';

const cat = loadTestbed();
const cluster = generateCluster({ nodes: 512, seed: 512 });
const deployments = generateDeployments({ shape: shapeOf(cat.deployments), totalFps: Infinity, count: 2000, seed: 7 });
const before = process.resourceUsage().maxRSS;
const startMs = performance.now();
const cpu0 = process.cpuUsage();
const plan = planPlacement(cluster, cat.apps, cat.profiles, deployments, {
  strategy: 'rim',
  clock: () => performance.now(),
});
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({
    maxRssMB: Number((process.resourceUsage().maxRSS / 1024).toFixed(1)),
    rssBeforePlanMB: Number((before / 1024).toFixed(1)),
    heapUsedMB: Number((process.memoryUsage().heapUsed / 1048576).toFixed(1)),
    solveMs: plan.solveMs,
    cpuMs: Number(((cpu.user + cpu.system) / 1000).toFixed(1)),
    startMs: Number(startMs.toFixed(1)),
    admitted: deployments.length - plan.rejected.length,
  })}\n`,
);
