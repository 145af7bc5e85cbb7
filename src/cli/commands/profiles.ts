/** rim profiles ls */
import type { Command } from 'commander';
import type { StoredProfile } from '../../domain/types.js';
import type { CliContext } from '../context.js';
import { show, table } from '../output.js';

export function registerProfilesCommand(program: Command, ctx: CliContext): void {
  const profiles = program.command('profiles').description('measured profiles');
  profiles.command('ls').alias('list').description('list stored profiles')
    .action(async (_o: unknown, cmd: Command) => {
      const list = await ctx.client().get<StoredProfile[]>('/v1/profiles');
      show(ctx.out(cmd), list, () => table(list.map((p) => ({
        app: p.app, module: p.module, variant: p.variant ?? 'default', accelerator: p.accelerator,
        maxFps: p.maxFps, latencyMs: p.latencyMs, cpuCores: p.cpuCores, memoryMB: p.memoryMB, state: p.state,
      })), [['app'], ['module'], ['variant'], ['accelerator'], ['maxFps', 'max fps'], ['latencyMs', 'latency ms'], ['cpuCores', 'cores'], ['memoryMB', 'mem MB'], ['state']]));
    });
}
