/**
 * Starts a real appliance (real store in a temp dir, real HTTP on an
 * ephemeral port, real NodeSupervisor) on a FakeEngine, and talks to it.
 */
import { until } from './until.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAppliance, type RunningAppliance } from '../../src/appliance.js';
import { configSchema, type ConfigInput } from '../../src/config/schema.js';
import { FakeEngine } from './fake-engine.js';

export interface Harness {
  appliance: RunningAppliance;
  engine: FakeEngine;
  url: string;
  token: string;
  dataDir: string;
  logs: string[];
  /** fetch with the admin token unless `token: null`. */
  call(
    method: string,
    path: string,
    body?: unknown,
    opts?: { token?: string | null; raw?: string },
  ): Promise<{ status: number; body: any; text: string }>;
  close(opts?: { keepData?: boolean }): Promise<void>;
}

export async function startHarness(
  input: ConfigInput = {},
  opts: { engine?: FakeEngine; dataDir?: string } = {},
): Promise<Harness> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'rim-unit-'));
  const config = configSchema.parse({
    nodeId: 'unit-node',
    logLevel: 'info',
    profiling: { enabled: false },
    ...input,
    dataDir,
    api: { port: 0, host: '127.0.0.1', ...(input.api ?? {}) },
    accelerators: { detectGpus: false, emulate: [{ model: 'RTX 2080 Ti', cpus: 0.5 }], ...(input.accelerators ?? {}) },
    supervisor: { pollInterval: 200 },
  });
  const engine = opts.engine ?? new FakeEngine();
  const logs: string[] = [];
  const appliance = await startAppliance(config, {
    engine,
    logDestination: {
      write: (line: string) => {
        logs.push(line);
      },
    },
    replicaEventsMs: 50,
  });
  const { readFileSync } = await import('node:fs');
  const token = config.adminToken ?? readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  const call: Harness['call'] = async (method, path, body, o = {}) => {
    const headers: Record<string, string> = {};
    if (body !== undefined || o.raw !== undefined) headers['content-type'] = 'application/json';
    const tok = o.token === undefined ? token : o.token;
    if (tok) headers.authorization = `Bearer ${tok}`;
    const res = await fetch(`${appliance.url}${path}`, {
      method,
      headers,
      ...(o.raw !== undefined ? { body: o.raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text };
  };
  await eventually(async () => (await call('GET', '/readyz')).status === 200, 'the appliance to be ready');
  return {
    appliance,
    engine,
    url: appliance.url,
    token,
    dataDir,
    logs,
    call,
    close: async (c = {}) => {
      await appliance.stop();
      if (!c.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** `until` (test/support/until.ts) with the appliance tests' argument order and a 5 s bound. */
export const eventually = <T>(check: () => T | Promise<T>, what: string, timeoutMs = 5000) =>
  until(what, check, timeoutMs, 25);
