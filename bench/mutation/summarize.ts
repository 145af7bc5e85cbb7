/**
 * Folds one Stryker JSON report (mutation-testing-report-schema) into the
 * small summary kept in git: per file, killed / timeout / survived /
 * no-coverage and the score, plus each surviving mutant by line.
 *   node --import tsx bench/mutation/summarize.ts <report.json> <run-name> [out.json] [minutes] [note]
 * The run is stored (replaced) under `runs[<run-name>]` of out.json
 * (bench/results/mutation.json by default); the raw report stays out of git.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

interface Mutant {
  mutatorName: string;
  replacement?: string;
  status: string;
  location: { start: { line: number; column: number } };
}
interface Report {
  files: Record<string, { mutants: Mutant[] }>;
}

const [reportPath, run, out = 'bench/results/mutation.json', minutes, note] = process.argv.slice(2);
if (!reportPath || !run) {
  console.error('usage: summarize.ts <report.json> <run-name> [out.json] [minutes] [note]');
  process.exit(2);
}
const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;

const files: Record<string, unknown> = {};
const total = { killed: 0, timeout: 0, survived: 0, noCoverage: 0 };
for (const [path, f] of Object.entries(report.files)) {
  const n = (s: string) => f.mutants.filter((m) => m.status === s).length;
  const c = { killed: n('Killed'), timeout: n('Timeout'), survived: n('Survived'), noCoverage: n('NoCoverage') };
  const tested = c.killed + c.timeout + c.survived + c.noCoverage;
  if (!tested) continue; // every mutant outside the mutated lines
  for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += c[k];
  files[path] = {
    ...c,
    score: Math.round(((c.killed + c.timeout) / tested) * 1000) / 10,
    survivors: f.mutants
      .filter((m) => m.status === 'Survived' || m.status === 'NoCoverage')
      .map((m) => `${m.location.start.line}:${m.location.start.column} ${m.mutatorName} -> ${m.replacement ?? ''}`),
  };
}
const tested = total.killed + total.timeout + total.survived + total.noCoverage;
const summary = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as { runs: Record<string, unknown> }) : null;
const runs = { ...(summary?.runs ?? {}) };
runs[run] = {
  ...(minutes ? { minutes: Number(minutes) } : {}),
  ...(note ? { note } : {}),
  total: { ...total, score: tested ? Math.round(((total.killed + total.timeout) / tested) * 1000) / 10 : null },
  files,
};
writeFileSync(out, `${JSON.stringify({ tool: 'StrykerJS 9 (tap runner over node:test)', runs }, null, 2)}\n`);
console.log(`${run}: ${JSON.stringify(runs[run] as object).slice(0, 300)}`);
