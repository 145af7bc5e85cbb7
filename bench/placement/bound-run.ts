/**
 * The bound study of bench:placement alone (issue #11): rim against the
 * latency-aware bound on the paper testbed and the 64-node generated
 * workloads (seeds 1–3), and the maximal workload by bisection. Figures are
 * deterministic (rim without its clock; LPs; the MILP's bound within its time
 * limit); writes `bound` and `maximal` into bench/results/placement.json,
 * with the study's targets and the paper file's (rim against nexus and
 * spread), keeping the rest of that file.
 *
 *   node --import tsx bench/placement/bound-run.ts [--seeds 1,2,3]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { HighsSolver } from '../../src/adapters/highs-solver.js';
import { planPlacement } from '../../src/domain/placement/index.js';
import { boundTable, boundTargets } from './bound-report.js';
import { boundRow, generatedWorkloads, maximal } from './bound-study.js';
import { loadTestbed, scenarios } from './scenarios.js';
import type { Target } from './targets.js';

const args = process.argv.slice(2);
const i = args.indexOf('--seeds');
const seeds = (i >= 0 ? args[i + 1]! : '1,2,3').split(',').map(Number);
const log = (s: string) => process.stderr.write(`${s}\n`);

const solver = await HighsSolver.load();
const cat = loadTestbed();
const paper = scenarios(cat, solver, [])[0]!;
const gens = generatedWorkloads(cat, solver, seeds);
const rows = [
  boundRow(cat, solver, 'paper testbed (deployments.json)', cat.cluster, cat.deployments),
  boundRow(cat, solver, 'paper testbed, load 1.0', paper.cluster, paper.at(1)),
];
for (const w of gens) {
  log(`bound: ${w.name}`);
  rows.push(boundRow(cat, solver, w.name, w.cluster, w.at(1)));
}
for (const r of rows) log(JSON.stringify(r));
const paperW = { name: 'paper testbed', cluster: paper.cluster, at: paper.at };
const maximalRows = [paperW, ...gens.filter((w) => w.name.endsWith('seed 1'))].map((w) => {
  const t0 = performance.now();
  const m = maximal(cat, solver, w);
  log(`maximal: ${JSON.stringify(m)} ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return m;
});
process.stdout.write(`${boundTable(rows, maximalRows)}\n`);
const file = 'bench/results/placement.json';
const json = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
// The paper file as given, rim against the baselines (deterministic: rim without its clock).
const fileFps = (strategy: string): number => {
  const plan = planPlacement(cat.cluster, cat.apps, cat.profiles, cat.deployments, { strategy });
  const out = new Set(plan.rejected.map((r) => r.deployment));
  return cat.deployments.filter((d) => !out.has(d.name)).reduce((a, d) => a + d.fps, 0);
};
const paperFps = { rim: fileFps('rim'), nexus: fileFps('nexus'), spread: fileFps('spread') };
// The study's own targets replace theirs in the file's list.
const fresh = boundTargets(paperFps, rows, maximalRows);
const isStudy = (t: Target) =>
  t.target.startsWith('paper testbed (deployments.json)') ||
  t.target.includes('latency-aware bound') ||
  t.target.startsWith('generated: rim never') ||
  t.target.includes('at the maximal workload');
const targets = [...((json.targets as Target[] | undefined) ?? []).filter((t) => !isStudy(t)), ...fresh];
writeFileSync(file, `${JSON.stringify({ ...json, bound: rows, maximal: maximalRows, targets }, null, 2)}\n`);
log(`wrote ${file} (bound, maximal)`);
