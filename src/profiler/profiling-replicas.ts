/**
 * The profiler's throw-away replicas: created with Rim's labels and role
 * `profiling`, waited on until /healthz answers 200 (or they exit, or the
 * health deadline passes), and always removed. `sweepProfilingReplicas`
 * removes what a stopped appliance left behind.
 */
import http from 'node:http';
import type { ContainerEngine } from '../adapters/container-engine.js';
import type { ObservedReplica, ReplicaSpec } from '../domain/types.js';
import type { Logger } from '../log.js';
import { sleep } from '../sleep.js';
import { ProfilingFailedError } from './profiling-error.js';

export interface ProfilingReplica {
  spec: ReplicaSpec;
  containerId: string;
  /** Base URL: the node's sandbox address and the replica's port, e.g. http://172.18.0.2:17999 */
  url: string;
}

type Engine = Pick<ContainerEngine, 'create' | 'start' | 'remove' | 'listReplicas' | 'ensureSandbox'>;

/** Removes every profiling container of `node` (left over by a stopped run); returns how many. */
export async function sweepProfilingReplicas(
  engine: Engine,
  node: string,
  logger?: Logger,
  name?: string,
): Promise<number> {
  const left = (await engine.listReplicas(node)).filter(
    (r) => r.role === 'profiling' && (name === undefined || r.name === name),
  );
  await Promise.all(left.map((r) => engine.remove(r.containerId)));
  if (left.length && !name)
    logger?.warn({ containers: left.map((r) => r.name) }, 'removed leftover profiling replicas');
  return left.length;
}

/** `host`: where the replica answers; unset: its node's sandbox address (the replica joins the sandbox). */
export async function startProfilingReplica(
  engine: Engine,
  spec: ReplicaSpec,
  host?: string,
): Promise<ProfilingReplica> {
  await sweepProfilingReplicas(engine, spec.node, undefined, spec.name); // a name left by a killed run
  const containerId = await engine.create(spec);
  const at = host ?? (await engine.ensureSandbox(spec.node).catch(rollback(engine, containerId))).address;
  const replica = { spec, containerId, url: `http://${at}:${spec.port}` };
  try {
    await engine.start(containerId);
  } catch (e) {
    await engine.remove(containerId).catch(() => undefined);
    throw e;
  }
  return replica;
}

const rollback =
  (engine: Engine, containerId: string) =>
  async (e: unknown): Promise<never> => {
    await engine.remove(containerId).catch(() => undefined);
    throw e;
  };

export async function observe(engine: Engine, r: ProfilingReplica): Promise<ObservedReplica | undefined> {
  return (await engine.listReplicas(r.spec.node)).find((o) => o.containerId === r.containerId);
}

/** "exited with code 1" when the container is no longer running, else undefined. */
export async function exitNote(engine: Engine, r: ProfilingReplica): Promise<string | undefined> {
  const o = await observe(engine, r).catch(() => undefined);
  if (!o) return 'the container is gone';
  if (o.status === 'running' || o.status === 'created') return undefined;
  return `the container ${o.status}${o.exitCode !== undefined ? ` with code ${o.exitCode}` : ''}`;
}

function getHealth(url: string, timeoutMs: number): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/healthz`, { timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve('timeout');
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

/** Resolves once /healthz answers 200; ProfilingFailedError when the replica exits or the deadline passes. */
export async function waitHealthy(
  engine: Engine,
  r: ProfilingReplica,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: number | string;
  let checks = 0;
  while (!signal.aborted) {
    last = await getHealth(r.url, 1000);
    if (last === 200) return;
    // Every ~1 s, ask the engine whether the container is still there.
    if (++checks % 5 === 0) {
      const exited = await exitNote(engine, r);
      if (exited) throw new ProfilingFailedError(`${r.spec.module}: ${exited} before /healthz answered 200`);
    }
    if (Date.now() >= deadline) {
      const exited = await exitNote(engine, r);
      const lastAnswer = typeof last === 'number' ? `HTTP ${last}` : last;
      throw new ProfilingFailedError(
        `${r.spec.module}: never became healthy: /healthz did not answer 200 within ` +
          `${Math.round(timeoutMs / 1000)} s (last: ${lastAnswer})${exited ? `; ${exited}` : ''}`,
      );
    }
    await sleep(200, signal);
  }
  throw new ProfilingFailedError(`profiling stopped: ${String(signal.reason ?? 'aborted')}`);
}
