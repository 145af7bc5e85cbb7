/**
 * Runs the real appliance (`node --import tsx src/main.ts`) and the real `rim`
 * CLI as child processes, on a free port and a temp data dir, for the
 * appliance-*.test.ts suites. Cleans up containers by their rim.node label.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_IMAGE } from '../support/images.js';
import { removeNodeDocker } from '../support/node-docker.js';

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer()
      .listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      })
      .on('error', reject);
  });

export interface ApplianceProcess {
  child: ChildProcess;
  base: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** `nodeArgs`: more options for node (a benchmark's `--cpu-prof`, say). */
/**
 * The appliance in a child process: from the TypeScript sources (tsx) by default, or from the compiled build
 * (`entry: 'dist'`, `npm run build` first), which is what the image ships.
 */
export function spawnAppliance(
  env: Record<string, string>,
  nodeArgs: string[] = [],
  entry: 'src' | 'dist' = 'src',
): ApplianceProcess {
  let out = '';
  let err = '';
  const main = entry === 'dist' ? ['dist/src/main.js'] : ['--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, [...nodeArgs, ...main], {
    // Profiling off unless a test asks for it: its replicas and CPU load would disturb what others count.
    env: {
      ...process.env,
      RIM_LOG_LEVEL: 'info',
      RIM_CLUSTER_DISCOVERY_MDNS: 'false',
      RIM_PROFILING_ENABLED: 'false',
      // Outside a container the appliance has no image of its own for the replica sandbox.
      RIM_DOCKER_SANDBOX_IMAGE: SANDBOX_IMAGE,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, base: `http://127.0.0.1:${env.RIM_API_PORT}`, stdout: () => out, stderr: () => err, exited };
}

export async function waitHealthy(p: ApplianceProcess, timeoutMs = 20_000): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (p.child.exitCode !== null) throw new Error(`appliance exited ${p.child.exitCode}: ${p.stderr()}`);
    if (
      await fetch(`${p.base}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no /healthz within ${timeoutMs} ms:\n${p.stdout()}\n${p.stderr()}`);
}

export async function waitFor<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  while (Date.now() - t0 < timeoutMs) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real CLI: node --import tsx src/cli/main.ts … */
export function rim(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true });
export const readToken = (dataDir: string) => readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();

/** Replica container ids (running or not) labelled with this node: not its replica sandbox. */
export function containersOf(node: string, extra: string[] = []): string[] {
  return execFileSync('docker', [
    'ps',
    '-a',
    '--no-trunc',
    '--filter',
    'label=rim.managed=true',
    '--filter',
    `label=rim.node=${node}`,
    ...extra,
    '--format',
    '{{.ID}} {{.Label "rim.role"}}',
  ])
    .toString()
    .split('\n')
    .filter((line) => line && !line.endsWith(' sandbox'))
    .map((line) => line.split(' ')[0]!)
    .sort();
}

/** Removes the node's replicas, its replica sandbox and the sandbox's network. */
export function removeContainersOf(node: string): void {
  removeNodeDocker(node);
}

export async function stopAppliance(p: ApplianceProcess | undefined): Promise<number | null> {
  if (!p || p.child.exitCode !== null || p.child.signalCode) return p?.child.exitCode ?? null;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
  const code = await p.exited;
  clearTimeout(timer);
  return code;
}
