#!/usr/bin/env node
/**
 * `rim`: the operator's command line. Talks to the local appliance
 * (RIM_URL, RIM_ADMIN_TOKEN); `--json` for scripts. Exit codes: see
 * exit-codes.ts. Every error is one line on stderr: `error: …`.
 */
import { existsSync, realpathSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { ApiError } from './client.js';
import { registerAppsCommand } from './commands/apps.js';
import { registerDeployCommands } from './commands/deploy.js';
import { registerLoadCommand } from './commands/load.js';
import { registerProfilesCommand } from './commands/profiles.js';
import { registerStartCommand } from './commands/start.js';
import { registerStatusCommand } from './commands/status.js';
import { registerTokenCommand } from './commands/token.js';
import { cliContext } from './context.js';
import { CliFailure, EXIT } from './exit-codes.js';

export async function buildProgram(env: Record<string, string | undefined>): Promise<Command> {
  const ctx = cliContext(env);
  const program = new Command('rim')
    .description('Rim: an edge inference appliance cluster')
    .option('--json', 'print JSON (for scripts)')
    // One line per error, not the whole usage text; subcommands inherit this.
    .showHelpAfterError(false)
    .configureOutput({ outputError: (text, write) => write(`${text.trimEnd()} (see --help)\n`) })
    .exitOverride();
  registerStartCommand(program);
  registerAppsCommand(program, ctx);
  registerDeployCommands(program, ctx);
  registerLoadCommand(program, ctx);
  registerStatusCommand(program, ctx);
  registerProfilesCommand(program, ctx);
  registerTokenCommand(program, ctx, env);
  // `rim plan` (offline placement) lives in commands/plan.ts, owned by placement; registered when present.
  const planFile = fileURLToPath(new URL('./commands/plan.js', import.meta.url));
  if (existsSync(planFile) || existsSync(planFile.replace(/\.js$/, '.ts'))) {
    const planModule = './commands/plan.js';
    const { registerPlanCommand } = (await import(planModule)) as { registerPlanCommand: (p: Command) => void };
    registerPlanCommand(program);
  }
  // Every subcommand reports usage errors through the same path (exit 2).
  const override = (cmd: Command) => {
    cmd.exitOverride();
    cmd.commands.forEach(override);
  };
  override(program);
  return program;
}

export async function runCli(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const program = await buildProgram(env);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      const shown = ['commander.helpDisplayed', 'commander.version', 'commander.help'];
      if (shown.includes(e.code)) return EXIT.ok;
      return EXIT.usage; // commander has printed the message
    }
    if (e instanceof CliFailure) {
      process.stderr.write(`error: ${e.code}: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof ApiError) {
      process.stderr.write(`error: ${e.code}: ${e.message}\n`);
      return e.code === 'usage' ? EXIT.usage : EXIT.refused;
    }
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return EXIT.refused;
  }
}

const entry = process.argv[1] ? pathToFileURL(realpathSync(process.argv[1])).href : '';
if (import.meta.url === entry) process.exit(await runCli(process.argv, process.env));
