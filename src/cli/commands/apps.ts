/** rim apps add IMAGE | rim apps ls | rim apps rm NAME */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { show, table, type Row } from '../output.js';

interface AppRow {
  name: string;
  image: string;
  digest: string;
  modules: { name: string; accelerator: string; variants: string[] }[];
  defaults?: { fps?: number; latencyMs?: number };
}

const short = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);

export function registerAppsCommand(program: Command, ctx: CliContext): void {
  const apps = program
    .command('apps')
    .description('register and list apps (container images with a rim.manifest label)');
  apps
    .command('add')
    .argument('<image>', 'image reference, e.g. rim/sample-synthetic:latest')
    .description("read the image's rim.manifest label and register the app")
    .action(async (image: string, _o: unknown, cmd: Command) => {
      const app = await ctx.client().post<AppRow>('/v1/apps', { image });
      show(
        ctx.out(cmd),
        app,
        () =>
          `registered ${app.name} from ${app.image} (${short(app.digest)}): ` +
          `modules ${app.modules.map((m) => `${m.name} [${m.accelerator}]`).join(', ')}`,
      );
    });
  apps
    .command('ls')
    .alias('list')
    .description('list registered apps')
    .action(async (_o: unknown, cmd: Command) => {
      const list = await ctx.client().get<AppRow[]>('/v1/apps');
      show(ctx.out(cmd), list, () =>
        table(
          list.map((a): Row => ({
            name: a.name,
            image: a.image,
            digest: short(a.digest),
            modules: a.modules.map((m) => `${m.name}:${m.accelerator}`).join(','),
            defaults: a.defaults?.fps ? `${a.defaults.fps}fps/${a.defaults.latencyMs ?? '-'}ms` : '-',
          })),
          [['name'], ['image'], ['digest'], ['modules'], ['defaults']],
        ),
      );
    });
  apps
    .command('rm')
    .alias('remove')
    .argument('<name>')
    .description('remove an app (no deployment may use it)')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const r = await ctx.client().delete<{ removed: string }>(`/v1/apps/${encodeURIComponent(name)}`);
      show(ctx.out(cmd), r, () => `removed app ${r.removed}`);
    });
}
