/** rim profiles ls | rim profiles refresh [APP…] */
import type { Command } from 'commander';
import type { StoredProfile } from '../../domain/types.js';
import type { CliContext } from '../context.js';
import { show, table } from '../output.js';

export function registerProfilesCommand(program: Command, ctx: CliContext): void {
  const profiles = program.command('profiles').description('measured profiles');
  profiles
    .command('ls')
    .alias('list')
    .description('list stored profiles')
    .action(async (_o: unknown, cmd: Command) => {
      const list = await ctx.client().get<StoredProfile[]>('/v1/profiles');
      show(ctx.out(cmd), list, () =>
        table(
          list.map((p) => ({
            app: p.app,
            module: p.module,
            variant: p.variant ?? 'default',
            accelerator: p.accelerator,
            maxFps: p.maxFps,
            latencyMs: p.latencyMs,
            cpuCores: p.cpuCores,
            memoryMB: p.memoryMB,
            state: p.state,
          })),
          [
            ['app'],
            ['module'],
            ['variant'],
            ['accelerator'],
            ['maxFps', 'max fps'],
            ['latencyMs', 'latency ms'],
            ['cpuCores', 'cores'],
            ['memoryMB', 'mem MB'],
            ['state'],
          ],
        ),
      );
    });
  profiles
    .command('refresh')
    .description('measure profiles again now (every registered app, or the ones named)')
    .argument('[apps...]', 'apps to profile')
    .option('--missing-only', 'only profiles that are missing or stale')
    .action(async (apps: string[], o: { missingOnly?: boolean }, cmd: Command) => {
      const report = await ctx.client().post<{ due: { profile: string; why: string }[] }>('/v1/profiles/refresh', {
        ...(apps.length ? { apps } : {}),
        force: !o.missingOnly,
      });
      show(ctx.out(cmd), report, () =>
        report.due.length
          ? `profiling ${report.due.length} profile(s) in the background (see rim profiles ls):\n` +
            table(report.due, [['profile'], ['why']])
          : 'nothing to profile',
      );
    });
}
