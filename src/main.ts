/**
 * The composition root: `npm start` / `rim start`. Loads the config (exit 2
 * naming the key when it is bad), opens the state (exit 2 naming the file and
 * the field when it is damaged), builds the appliance and runs it until
 * SIGTERM/SIGINT, then stops every loop and exits 0. Containers keep running
 * across restarts: the supervisor adopts them by their labels.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { StateFileError } from './adapters/store.js';
import { startAppliance, type RunningAppliance } from './appliance.js';
import { ConfigError, loadConfig } from './config/load-config.js';
import type { Config } from './config/schema.js';

/** Runs the appliance; resolves with the exit code once it has stopped. */
export async function main(env: Record<string, string | undefined>): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(env).config;
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  // Listen for signals first: a SIGTERM during start-up still ends cleanly.
  let stopRequested: (sig: NodeJS.Signals) => void = () => undefined;
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    stopRequested = resolve;
  });
  process.once('SIGTERM', () => stopRequested('SIGTERM'));
  process.once('SIGINT', () => stopRequested('SIGINT'));
  let appliance: RunningAppliance;
  try {
    appliance = await startAppliance(config, {});
  } catch (e) {
    process.stderr.write(`rim: cannot start: ${(e as Error).message}\n`);
    // A damaged state file with no good copy needs the operator, as a bad config does.
    return e instanceof StateFileError ? 2 : 1;
  }
  const sig = await stopSignal;
  appliance.logger.info({ component: 'appliance', signal: sig }, `${sig}: shutting down`);
  await appliance.stop();
  return 0;
}

const entry = process.argv[1] ? pathToFileURL(realpathSync(process.argv[1])).href : '';
if (import.meta.url === entry) {
  main(process.env).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`rim: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}
