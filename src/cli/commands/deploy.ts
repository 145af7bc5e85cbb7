/**
 * rim deploy APP --name N --fps F|auto [--max-fps M] --latency MS [--priority P] | rim undeploy N |
 * rim deployments ls
 */
import type { Command } from 'commander';
import { numberArg, type CliContext } from '../context.js';
import { CliFailure, EXIT } from '../exit-codes.js';
import { show, table } from '../output.js';

interface DeploymentRow {
  name: string;
  app: string;
  fps: number;
  maxFps?: number;
  latencyMs: number;
  priority: number;
  state: string;
  reason?: string;
  placement: { module: string; node: string; accelerator: string; fps: number; variant?: string }[];
}

const rate = (d: DeploymentRow) => (d.maxFps !== undefined ? `auto (now ${d.fps}, max ${d.maxFps})` : `${d.fps}`);

interface DeployOptions {
  name: string;
  fps?: number | 'auto';
  maxFps?: number;
  latency?: number;
  priority?: number;
}

export const deploymentTable = (list: DeploymentRow[]) =>
  table(
    list.map((d) => ({
      name: d.name,
      app: d.app,
      fps: d.maxFps !== undefined ? `${d.fps} (auto, max ${d.maxFps})` : d.fps,
      latency: `${d.latencyMs}ms`,
      priority: d.priority,
      state: d.state,
      placement: d.placement.map((p) => `${p.module}@${p.node}/${p.accelerator}`).join(',') || d.reason || '-',
    })),
    [['name'], ['app'], ['fps'], ['latency'], ['priority'], ['state'], ['placement']],
  );

/** --fps: a number of frames per second, or `auto` (allocate what arrives, up to --max-fps). */
export const fpsArg = (raw: string): number | 'auto' => (raw === 'auto' ? 'auto' : numberArg('--fps', { min: 0 })(raw));

export function registerDeployCommands(program: Command, ctx: CliContext): void {
  program
    .command('deploy')
    .argument('<app>', 'a registered app')
    .description('add a deployment: one stream of work for an app')
    .requiredOption('--name <name>', 'deployment name (lower-case letters, digits, -)')
    .option('--fps <fps>', "frame rate, or auto: what arrives, up to --max-fps (default: the app manifest's)", fpsArg)
    .option(
      '--max-fps <fps>',
      'with --fps auto: the most frames per second it may be given',
      numberArg('--max-fps', { min: 0 }),
    )
    .option(
      '--latency <ms>',
      "end-to-end latency target in ms (default: the app manifest's)",
      numberArg('--latency', { min: 0 }),
    )
    .option(
      '--priority <p>',
      'admission priority, higher first (default 0)',
      numberArg('--priority', { integer: true }),
    )
    .action(async (app: string, o: DeployOptions, cmd: Command) => {
      if ((o.fps === 'auto') !== (o.maxFps !== undefined)) {
        const msg = o.fps === 'auto' ? '--fps auto needs --max-fps' : '--max-fps goes only with --fps auto';
        throw new CliFailure('usage', `${msg} (see --help)`, EXIT.usage);
      }
      const body = {
        name: o.name,
        app,
        ...(o.fps !== undefined ? { fps: o.fps } : {}),
        ...(o.maxFps !== undefined ? { maxFps: o.maxFps } : {}),
        ...(o.latency !== undefined ? { latencyMs: o.latency } : {}),
        ...(o.priority !== undefined ? { priority: o.priority } : {}),
      };
      const d = await ctx.client().post<DeploymentRow>('/v1/deployments', body);
      show(
        ctx.out(cmd),
        d,
        () =>
          `deployment ${d.name}: ${d.app} at ${rate(d)} fps, ${d.latencyMs} ms, ` +
          `priority ${d.priority}: ${d.state}\n${deploymentTable([d])}`,
      );
      if (d.state === 'rejected') {
        const why = d.reason ?? 'no reason given';
        throw new CliFailure(
          'rejected',
          `deployment ${d.name} is stored but not admitted: ${why} (rim undeploy ${d.name} removes it)`,
          EXIT.rejected,
        );
      }
    });
  program
    .command('undeploy')
    .argument('<name>', 'deployment name')
    .description('remove a deployment')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const r = await ctx.client().delete<{ removed: string }>(`/v1/deployments/${encodeURIComponent(name)}`);
      show(ctx.out(cmd), r, () => `removed deployment ${r.removed}`);
    });
  program
    .command('deployments')
    .description('list deployments')
    .command('ls', { isDefault: true })
    .action(async (_o: unknown, cmd: Command) => {
      const list = await ctx.client().get<DeploymentRow[]>('/v1/deployments');
      show(ctx.out(cmd), list, () => deploymentTable(list));
    });
}
