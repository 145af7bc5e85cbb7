/** The terminal report: one table per scenario, re-plans, timing, targets. */
import type { Row } from './measure.js';
import type { ReplanRow } from './replan.js';
import type { Target, Timing } from './targets.js';

const pad = (s: string, n: number, right = false) => (right ? s.padStart(n) : s.padEnd(n));

function table(head: string[], body: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => pad(c, w[i]!, i > 0)).join('  ');
  return [line(head), w.map((x) => '-'.repeat(x)).join('  '), ...body.map(line)].join('\n');
}

/** Highest offered load (of those swept) at which the strategy admitted every deployment. */
export function fullAdmitLoad(rows: Row[], scenario: string, strategy: string): number | undefined {
  const ok = rows
    .filter((r) => r.scenario === scenario && r.strategy === strategy && r.admitted === r.offeredDeployments)
    .map((r) => r.load);
  return ok.length ? Math.max(...ok) : undefined;
}

export function printReport(
  rows: Row[],
  given: Row[],
  replans: ReplanRow[],
  timing: Timing[],
  targets: Target[],
  peakRss: number,
): void {
  const out: string[] = [];
  for (const scn of [...new Set(rows.map((r) => r.scenario))]) {
    const mine = rows.filter((r) => r.scenario === scn);
    const loads = [...new Set(mine.map((r) => r.load))].sort((a, b) => a - b);
    const strategies = [...new Set(mine.map((r) => r.strategy))];
    const at1 = (s: string) => mine.find((r) => r.strategy === s && r.load === 1);
    out.push(`\n${scn}  (admitted fps by offered load; LP bound on the first line; columns after fps are at load 1.0)`);
    const head = [
      'strategy',
      ...loads.map((l) => `${l}`),
      'deps@1',
      '%LP@1',
      'full-admit load',
      'GPU util@1',
      'solve ms@1',
      'moves (untouched)',
    ];
    const body = [
      ['lp bound', ...loads.map((l) => mine.find((r) => r.load === l)!.lpBoundFps.toFixed(0)), '', '', '', '', '', ''],
    ];
    for (const s of strategies) {
      const r1 = at1(s);
      const rp = replans.find((x) => x.scenario === scn && x.strategy === s);
      body.push([
        s,
        ...loads.map((l) => {
          const r = mine.find((x) => x.strategy === s && x.load === l);
          return r ? `${r.admittedFps}${r.violations ? '!' : ''}` : '—';
        }),
        r1 ? `${r1.admitted}/${r1.offeredDeployments}` : '—',
        r1 ? `${(r1.shareOfLp * 100).toFixed(1)}` : '—',
        `${fullAdmitLoad(rows, scn, s) ?? '< ' + loads[0]}`,
        r1 ? `${(r1.gpuUtil * 100).toFixed(0)}%` : '—',
        r1 ? r1.solveMs.toFixed(1) : '—',
        rp ? `${rp.moves} (${rp.unnecessary})` : '—',
      ]);
    }
    out.push(table(head, body));
  }
  out.push(
    `\npaper testbed, deployments.json as given (offered ${given[0]?.offeredFps} fps = load ${given[0]?.load}; ` +
      `LP bound ${given[0]?.lpBoundFps.toFixed(0)})`,
  );
  out.push(
    table(
      ['strategy', 'deployments', 'fps', '%LP', 'GPU util', 'solve ms', 'solver'],
      given.map((r) => [
        r.strategy,
        `${r.admitted}/${r.offeredDeployments}`,
        `${r.admittedFps}${r.violations ? '!' : ''}`,
        (r.shareOfLp * 100).toFixed(1),
        `${(r.gpuUtil * 100).toFixed(0)}%`,
        r.solveMs.toFixed(1),
        r.status ? `${r.status}, gap ${r.gap}` : '',
      ]),
    ),
  );
  out.push('\nre-plan after losing the busiest node (load 1.0): moves = rows of the old plan gone from the new one');
  out.push(
    '(forced: on the lost node; displaced: other rows of a deployment that lost one; ' +
      'untouched: a deployment the loss did not touch)',
  );
  out.push(
    table(
      [
        'scenario',
        'strategy',
        'lost',
        'admitted before→after',
        'fps after',
        'moves',
        'forced',
        'displaced',
        'untouched',
        'how',
        'solve ms',
      ],
      replans.map((r) => [
        r.scenario,
        r.strategy,
        r.lostNode,
        `${r.admittedBefore}→${r.admittedAfter}`,
        `${r.admittedFpsAfter}`,
        `${r.moves}`,
        `${r.forced}`,
        `${r.displaced}`,
        `${r.unnecessary}`,
        r.replan ?? 'fresh (ignores previous)',
        r.solveMs.toFixed(1),
      ]),
    ),
  );
  out.push('\nrim solve time');
  out.push(
    table(
      ['instance', 'nodes', 'deployments', 'first call ms', 'warm median ms', 'warm CPU ms'],
      timing.map((t) => [
        t.name,
        `${t.nodes}`,
        `${t.deployments}`,
        t.firstMs.toFixed(1),
        t.warmMedianMs.toFixed(1),
        t.warmMedianCpuMs.toFixed(1),
      ]),
    ),
  );
  out.push(`peak RSS ${(peakRss / 1048576).toFixed(0)} MB`);
  out.push('\ntargets');
  out.push(
    table(
      ['', 'target', 'measured'],
      targets.map((t) => [t.met ? 'met' : 'NOT MET', t.target, t.measured]),
    ),
  );
  process.stdout.write(`${out.join('\n')}\n`);
}
