/** rim start: the appliance in the foreground (`npm start` runs it, with the appliance's node flags). */
import type { Command } from 'commander';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('run the appliance in the foreground (config: appliance.config.json + RIM_* env)')
    .action(async () => {
      // Outside a container the replica sandbox's image is the one `npm run images` built (the image sets its own).
      process.env.RIM_DOCKER_SANDBOX_IMAGE ||= `rim/appliance:${process.env.RIM_IMAGE_TAG || 'latest'}`;
      const { main } = await import('../../main.js');
      process.exitCode = await main(process.env);
    });
}
