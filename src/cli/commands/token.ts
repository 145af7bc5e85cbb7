/**
 * rim token: prints the admin token, which the appliance never logs. Run
 * where the appliance keeps it: on its box (RIM_DATA_DIR, default ./data) or
 * in its container, `docker exec rim rim token`. RIM_ADMIN_TOKEN wins, as it
 * does for the appliance. Only the token on stdout, for `$(rim token)`.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ApiError, localTokenFile } from '../client.js';
import type { CliContext } from '../context.js';
import { show } from '../output.js';

type Env = Record<string, string | undefined>;

export function readAdminToken(env: Env, cwd = process.cwd()): { token: string; source: string } {
  if (env.RIM_ADMIN_TOKEN) return { token: env.RIM_ADMIN_TOKEN, source: 'RIM_ADMIN_TOKEN' };
  const file = localTokenFile(env, cwd);
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new ApiError(
      'no-token',
      `no admin token at ${file} (${code}): run this where the appliance keeps its data ` +
        '(RIM_DATA_DIR), e.g. `docker exec rim rim token`',
    );
  }
  if (!token) throw new ApiError('no-token', `${file} is empty: the appliance writes the token on its first start`);
  return { token, source: file };
}

export function registerTokenCommand(program: Command, ctx: CliContext, env: Env): void {
  program
    .command('token')
    .description('print the admin token (RIM_ADMIN_TOKEN, else RIM_DATA_DIR/admin-token)')
    .action((_o: unknown, cmd: Command) => {
      const t = readAdminToken(env);
      show(ctx.out(cmd), t, () => t.token);
    });
}
