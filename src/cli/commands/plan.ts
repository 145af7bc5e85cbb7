/**
 * `rim plan`: offline placement (docs/design.md "Plan files"). Reads the four
 * plan files, prints the plan as JSON on stdout; no Docker, no network.
 * A bad file or value is an error naming the file and the field, exit 2.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { HighsSolver } from '../../adapters/highs-solver.js';
import { isValidationError, ValidationError } from '../../domain/errors.js';
import { planPlacement, STRATEGIES } from '../../domain/placement/index.js';
import { planBound } from '../../domain/placement/plan-bound.js';
import {
  parseAppsFile,
  parseClusterFile,
  parseDeploymentsFile,
  parsePlanFile,
  parseProfilesFile,
} from '../../domain/placement/plan-files.js';

interface PlanFlags {
  cluster: string;
  apps: string;
  profiles: string;
  deployments: string;
  strategy: string;
  headroom?: string;
  previous?: string;
  timeLimit?: string;
  bound?: boolean;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ValidationError(
      `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      path,
    );
  }
}

function number(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new ValidationError(`--${flag}: "${value}" is not a number`, flag);
  return n;
}

export async function runPlan(
  flags: PlanFlags,
  write: (s: string) => void = (s) => process.stdout.write(s),
): Promise<void> {
  const strategy = STRATEGIES.get(flags.strategy);
  if (!strategy) {
    throw new ValidationError(
      `--strategy: unknown "${flags.strategy}" (one of ${[...STRATEGIES.keys()].join(', ')})`,
      'strategy',
    );
  }
  const cluster = parseClusterFile(readText(flags.cluster), flags.cluster);
  const apps = parseAppsFile(readText(flags.apps), flags.apps);
  const profiles = parseProfilesFile(readText(flags.profiles), flags.profiles);
  const deployments = parseDeploymentsFile(readText(flags.deployments), flags.deployments);
  const previous = flags.previous ? parsePlanFile(readText(flags.previous), flags.previous) : undefined;
  const solver = strategy.needs === 'solver' || flags.bound ? await HighsSolver.load() : undefined;
  const plan = planPlacement(
    cluster,
    apps,
    profiles,
    deployments,
    {
      strategy: flags.strategy,
      headroom: number('headroom', flags.headroom),
      timeLimitMs: number('time-limit', flags.timeLimit),
      solver,
      clock: () => performance.now(),
    },
    previous,
  );
  const bound = flags.bound
    ? planBound(cluster, apps, profiles, deployments, plan, solver!, number('headroom', flags.headroom))
    : undefined;
  write(`${JSON.stringify(bound ? { ...plan, bound } : plan, null, 2)}\n`);
}

export function registerPlanCommand(program: Command): void {
  const names = [...STRATEGIES.values()].map((s) => `  ${s.name.padEnd(8)} ${s.summary}`).join('\n');
  program
    .command('plan')
    .description('place deployments offline from plan files; prints the plan as JSON (no Docker, no network)')
    .requiredOption('--cluster <file>', 'cluster file: {nodes, network}')
    .requiredOption('--apps <file>', 'apps file: [manifest, …] (modules may carry frameKB)')
    .requiredOption('--profiles <file>', 'profiles file: [{app, module, variant?, accelerator, maxFps, latencyMs, …}]')
    .requiredOption('--deployments <file>', 'deployments file: [{name, app, fps, latencyMs, priority?}]')
    .option('--strategy <name>', `placement strategy: ${[...STRATEGIES.keys()].join(', ')}`, 'rim')
    .option('--headroom <share>', 'share of every GPU and node kept free (default 0.1)')
    .option('--previous <file>', 'a previous plan: re-plan moving as little as possible (rim)')
    .option('--bound', "also print a latency-aware upper bound on admitted fps and the plan's share of it")
    .option('--time-limit <ms>', 'optimal: solver time limit in ms (default 20000)')
    .addHelpText(
      'after',
      `\nStrategies:\n${names}\n\nExit codes: 0 ok, 2 a bad file, field or flag (the message names it).`,
    )
    .action(async (flags: PlanFlags) => {
      try {
        await runPlan(flags);
      } catch (e) {
        if (!isValidationError(e)) throw e;
        process.stderr.write(`error: ${e.message}\n`);
        process.exitCode = 2;
      }
    });
}
