/**
 * The targets, marked met or not met from the measured rows. Never
 * asserted in tests: these are numbers, and the machine is shared.
 */
import type { Row } from './measure.js';
import type { ReplanRow } from './replan.js';

export interface Timing {
  name: string;
  nodes: number;
  deployments: number;
  /** the first call of this instance in the process (JIT still warming) */
  firstMs: number;
  warmMedianMs: number;
  warmMedianCpuMs: number;
  /** fps admitted by each call (with the clock, the search stops at its time limit): min and max */
  admittedFps?: [number, number];
}

export interface Target {
  target: string;
  measured: string;
  met: boolean;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function ratios(rows: Row[], label: string): Target[] {
  const fps = (s: string) => rows.find((r) => r.strategy === s)?.admittedFps;
  const rim = fps('rim') ?? 0;
  const out: Target[] = [];
  const nexus = fps('nexus');
  const spread = fps('spread');
  const opt = rows.find((r) => r.strategy === 'optimal');
  if (nexus !== undefined)
    out.push({
      target: `${label}: rim fps ≥ 1.25× nexus`,
      measured: `${rim} vs ${nexus} = ${(rim / Math.max(1e-9, nexus)).toFixed(2)}×`,
      met: rim >= 1.25 * nexus,
    });
  if (spread !== undefined)
    out.push({
      target: `${label}: rim fps ≥ 1.5× spread`,
      measured: `${rim} vs ${spread} = ${(rim / Math.max(1e-9, spread)).toFixed(2)}×`,
      met: rim >= 1.5 * spread,
    });
  if (opt) {
    out.push({
      target: `${label}: rim fps ≥ 95% of optimal`,
      measured:
        `${rim} vs ${opt.admittedFps} = ${pct(rim / Math.max(1e-9, opt.admittedFps))} ` +
        `(solver: ${opt.status}, gap ${opt.gap})`,
      met: rim >= 0.95 * opt.admittedFps,
    });
  }
  return out;
}

export function evaluateTargets(
  rows: Row[],
  given: Row[],
  replans: ReplanRow[],
  timing: Timing[],
  peakRss: number,
  sizes: number[],
  memory?: { maxRssMB: number; solveMs: number },
): Target[] {
  const t: Target[] = [];
  t.push(
    ...ratios(
      rows.filter((r) => r.scenario === 'paper-testbed' && r.load === 1),
      'paper testbed, load 1.0',
    ),
  );
  t.push(...ratios(given, `paper testbed, deployments.json as given (load ${given[0]?.load})`));
  for (const n of sizes) {
    const r = rows.find((x) => x.scenario === `generated-${n}` && x.load === 1 && x.strategy === 'rim');
    if (r)
      t.push({
        target: `generated ${n} nodes, load 1.0: rim ≥ 90% of the LP bound`,
        measured: `${r.admittedFps} of ${r.lpBoundFps} = ${pct(r.shareOfLp)}`,
        met: r.shareOfLp >= 0.9,
      });
  }
  for (const x of timing) {
    const limit = x.nodes >= 512 ? 1000 : 50;
    t.push({
      target: `solve time, ${x.name}: < ${limit} ms (one core)`,
      measured:
        `${x.warmMedianMs.toFixed(1)} ms warm median (${x.warmMedianCpuMs.toFixed(1)} ms CPU); ` +
        `first call ${x.firstMs.toFixed(1)} ms`,
      met: x.warmMedianMs < limit,
    });
  }
  if (memory) {
    t.push({
      target: 'memory < 300 MB (rim placing 2,000 deployments on 512 nodes, peak RSS of its own process)',
      measured:
        `${memory.maxRssMB.toFixed(0)} MB (that process's cold solve: ${memory.solveMs.toFixed(0)} ms); ` +
        `the whole benchmark process peaked at ${(peakRss / 1048576).toFixed(0)} MB with HiGHS and every plan`,
      met: memory.maxRssMB < 300,
    });
    t.push({
      target: 'solve time, 512 nodes × 2,000 deployments in a cold process: < 1 s',
      measured: `${memory.solveMs.toFixed(0)} ms`,
      met: memory.solveMs < 1000,
    });
  } else {
    t.push({
      target: 'memory < 300 MB (peak RSS of the whole benchmark, HiGHS included)',
      measured: `${(peakRss / 1048576).toFixed(0)} MB`,
      met: peakRss < 300 * 1048576,
    });
  }
  for (const r of replans.filter((x) => x.strategy === 'rim (minimal)')) {
    const dflt = replans.find((x) => x.scenario === r.scenario && x.strategy === 'rim');
    t.push({
      target: `${r.scenario}: re-plan after losing ${r.lostNode} moves nothing that did not have to move`,
      measured:
        `minimal: ${r.moves} moves = ${r.forced} forced + ${r.displaced} displaced + ` +
        `${r.unnecessary} untouched, ${r.admittedFpsAfter} fps` +
        (dflt
          ? `; default: ${dflt.unnecessary} untouched moves` +
            (dflt.unnecessary ? ` to admit ${dflt.admittedFpsAfter} fps` : '')
          : ''),
      met: r.unnecessary === 0 && (!dflt || dflt.unnecessary === 0 || dflt.admittedFpsAfter > r.admittedFpsAfter),
    });
  }
  const bad = [...rows, ...given].filter((r) => r.violations > 0);
  t.push({
    target: 'every plan passes the validator',
    measured: bad.length ? `${bad.length} plans with violations` : `${rows.length + given.length} plans, 0 violations`,
    met: !bad.length,
  });
  return t;
}
