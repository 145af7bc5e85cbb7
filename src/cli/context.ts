/** What every command gets: the API client and the output mode. */
import { InvalidArgumentError, type Command } from 'commander';
import { ApiClient, clientConfig } from './client.js';
import { output, type Output } from './output.js';

export interface CliContext {
  client(): ApiClient;
  out(cmd: Command): Output;
}

export function cliContext(env: Record<string, string | undefined>): CliContext {
  let client: ApiClient | undefined;
  return {
    client: () => (client ??= new ApiClient(clientConfig(env))),
    out: (cmd) => output(Boolean(cmd.optsWithGlobals().json)),
  };
}

export const numberArg =
  (what: string, opts: { integer?: boolean; min?: number } = {}) =>
  (raw: string): number => {
    const n = Number(raw);
    if (!Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || (opts.min !== undefined && n <= opts.min)) {
      const expected = `${opts.integer ? 'an integer' : 'a number'}${opts.min !== undefined ? ` > ${opts.min}` : ''}`;
      throw new InvalidArgumentError(`${what}: expected ${expected}, got "${raw}"`);
    }
    return n;
  };
