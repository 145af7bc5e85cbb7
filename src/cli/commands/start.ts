/** rim start: the appliance in the foreground, exactly as `npm start`. */
import type { Command } from 'commander';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('run the appliance in the foreground (config: appliance.config.json + RIM_* env)')
    .action(async () => {
      const { main } = await import('../../main.js');
      process.exitCode = await main(process.env);
    });
}
