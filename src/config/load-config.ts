/**
 * Reads the config once, in the composition root: the file (RIM_CONFIG, or
 * appliance.config.json at the package root), then `RIM_*` overrides, then the
 * schema. Every other module gets the parsed `Config` passed in.
 *
 * Env names follow the schema: `RIM_` + the key's path in upper snake case
 * (`placement.headroom` → `RIM_PLACEMENT_HEADROOM`); structured values are JSON
 * (`RIM_ACCELERATORS_EMULATE='[{"model":"RTX 2080 Ti","cpus":1}]'`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { ValidationError } from '../domain/errors.js';
import { configSchema, type Config } from './schema.js';

/** A bad config: the message names the key (and the env variable when it came from there). */
export class ConfigError extends ValidationError {
  override readonly code = 'config';
}

/** The repository / package root (dist/src/config → ../../.., src/config → ../..). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

type Env = Record<string, string | undefined>;
interface Key {
  path: string[];
  env: string;
  raw: boolean;
}

const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
export const envNameOf = (path: readonly string[]) => `RIM_${path.map(snake).join('_')}`;

/** Every settable key of the schema: leaves, and objects (settable as JSON). */
function keysOf(schema: z.ZodType, path: string[] = [], out: Key[] = []): Key[] {
  // zod 4 keeps its definition on `_zod.def`; unwrap defaults, optionals and pipes.
  let def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  for (;;) {
    if (def.type === 'default' || def.type === 'prefault' || def.type === 'optional')
      def = (def.innerType as typeof schema & { _zod: { def: typeof def } })._zod.def;
    else if (def.type === 'pipe') def = (def.in as typeof schema & { _zod: { def: typeof def } })._zod.def;
    else break;
  }
  if (path.length) out.push({ path, env: envNameOf(path), raw: def.type === 'string' || def.type === 'enum' });
  if (def.type === 'object') {
    for (const [k, child] of Object.entries(def.shape as Record<string, z.ZodType>)) keysOf(child, [...path, k], out);
  }
  return out;
}

const KEYS = keysOf(configSchema);

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let at = obj;
  for (const p of path.slice(0, -1)) {
    const next = at[p];
    if (!next || typeof next !== 'object' || Array.isArray(next)) at[p] = {};
    at = at[p] as Record<string, unknown>;
  }
  at[path[path.length - 1]!] = value;
}

function getPath(obj: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (v, p) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined),
    obj,
  );
}

/** Keys that hold secrets: an error names them, never shows their value, nor the value of an object holding one. */
const SECRET_PATHS = [['adminToken'], ['cluster', 'token']];

const holdsSecret = (path: readonly PropertyKey[]) =>
  SECRET_PATHS.some((secret) => {
    const n = Math.min(path.length, secret.length);
    return secret.slice(0, n).every((k, i) => String(path[i]) === k);
  });

/** The secret values given anywhere in the input, so that no echo of another key carries one either. */
function secretValues(input: Record<string, unknown>): string[] {
  return SECRET_PATHS.map((p) => getPath(input, p)).filter((v): v is string => typeof v === 'string' && v.length >= 4);
}

/** The value an error may show for `path`, or undefined when it must not show one. */
function shownValue(path: readonly PropertyKey[], got: unknown, secrets: string[]): string | undefined {
  if (got === undefined || holdsSecret(path)) return undefined;
  const text = JSON.stringify(got);
  return secrets.some((s) => text.includes(s)) ? undefined : text;
}

/** V8's JSON.parse message quotes the text around the fault, which may hold a secret: keep only the position. */
const jsonFault = (e: unknown) => /position \d+(?: \(line \d+ column \d+\))?/.exec((e as Error).message)?.[0];

function readFile(file: string, explicit: boolean): Record<string, unknown> {
  if (!existsSync(file)) {
    if (explicit) throw new ConfigError(`config: RIM_CONFIG: no such file: ${file}`, 'RIM_CONFIG');
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const at = jsonFault(e);
    throw new ConfigError(`config: ${file}: not valid JSON${at ? ` at ${at}` : ''}`, 'RIM_CONFIG');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ConfigError(`config: ${file}: expected a JSON object`, 'RIM_CONFIG');
  return parsed as Record<string, unknown>;
}

/**
 * Docker's own variables, read as the docker CLI reads them, so that an
 * appliance started where DOCKER_HOST points elsewhere talks to that engine.
 * An explicit RIM_* setting of the same thing wins.
 */
const DOCKER_ENV: { env: string; path: string[]; unless: string[]; value: (raw: string) => unknown }[] = [
  {
    env: 'DOCKER_HOST',
    path: ['docker', 'host'],
    unless: ['docker', 'docker.host', 'docker.socketPath'],
    value: (raw) => (raw.includes('://') ? raw : `tcp://${raw}`),
  },
  {
    env: 'DOCKER_TLS_VERIFY',
    path: ['docker', 'tlsVerify'],
    unless: ['docker', 'docker.tlsVerify'],
    value: (raw) => raw !== '0' && raw.toLowerCase() !== 'false',
  },
  { env: 'DOCKER_CERT_PATH', path: ['docker', 'certPath'], unless: ['docker', 'docker.certPath'], value: (raw) => raw },
];

export interface LoadedConfig {
  config: Config;
  /** The file read, or undefined when none existed. */
  file?: string;
  /** Env variables that set a key, by key path ("api.port" → "RIM_API_PORT"). */
  fromEnv: Record<string, string>;
}

/** Loads and validates the config; throws ConfigError naming the key. */
export function loadConfig(env: Env = process.env, opts: { root?: string; cwd?: string } = {}): LoadedConfig {
  const explicit = env.RIM_CONFIG !== undefined && env.RIM_CONFIG !== '';
  const cwd = opts.cwd ?? process.cwd();
  const file = explicit ? resolve(cwd, env.RIM_CONFIG!) : join(opts.root ?? packageRoot(), 'appliance.config.json');
  const input = structuredClone(readFile(file, explicit));

  const fromEnv: Record<string, string> = {};
  const rawEnv: Record<string, string> = {};
  // Objects first, then their keys, so `RIM_API_PORT` wins over `RIM_API='{…}'`.
  for (const key of [...KEYS].sort((a, b) => a.path.length - b.path.length)) {
    const raw = env[key.env];
    if (raw === undefined || raw === '') continue;
    let value: unknown = raw;
    if (!key.raw) {
      try {
        value = JSON.parse(raw);
      } catch {
        value = raw;
      }
    }
    setPath(input, key.path, value);
    fromEnv[key.path.join('.')] = key.env;
    rawEnv[key.path.join('.')] = raw;
  }
  for (const d of DOCKER_ENV) {
    const raw = env[d.env];
    if (raw === undefined || raw === '' || d.unless.some((k) => fromEnv[k])) continue;
    setPath(input, d.path, d.value(raw));
    fromEnv[d.path.join('.')] = d.env;
    rawEnv[d.path.join('.')] = raw;
  }

  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const secrets = secretValues(input);
    const lines = parsed.error.issues.map((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const path = [...issue.path.map(String), ...(keys.length ? [keys[0]!] : [])];
      const dotted = path.join('.');
      // Name the env variable that set this key or one of its parents.
      let source: string | undefined;
      for (let n = path.length; n > 0 && !source; n--) {
        const env = fromEnv[path.slice(0, n).join('.')];
        if (env) source = `${env} (${dotted})`;
      }
      source ??= existsSync(file) ? `${dotted} in ${file}` : dotted;
      const why = issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message;
      const value = issue.code === 'unrecognized_keys' ? undefined : (rawEnv[dotted] ?? getPath(input, issue.path));
      const got = shownValue(path, value, secrets);
      const gotText = got === undefined ? '' : `, got ${got}`;
      return { text: `config: ${source}: ${why}${gotText}`, dotted };
    });
    throw new ConfigError(lines.map((l) => l.text).join('\n'), lines[0]!.dotted);
  }
  const config = parsed.data;
  config.dataDir = resolve(cwd, config.dataDir);
  return { config, file: existsSync(file) ? file : undefined, fromEnv };
}
