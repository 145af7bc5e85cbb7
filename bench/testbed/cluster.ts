/**
 * bench:testbed's cluster: compose/up.sh under the bench's own prefix and
 * /24 (RIM_PREFIX, RIM_NET_BASE), heterogeneous emulated accelerators,
 * profiling on; the admin API of each box; killing a box with its
 * replicas; compose/down.sh, which the caller runs whatever happens.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN = 'rim-testbed-admin-token-0123456789';

export interface BenchClusterOptions {
  prefix: string;
  netBase: string;
  image: string;
  /** GPU model and emulated cores per box, in turn. */
  models: string[];
  cpus: number[];
  /** Shorter profiler windows (the profiler's tuning, JSON without spaces). */
  profilingTuning: Record<string, number>;
}

export interface Answer<T> {
  status: number;
  body: T;
}

export class BenchCluster {
  readonly boxes: string[];
  private readonly env: NodeJS.ProcessEnv;

  constructor(readonly o: BenchClusterOptions) {
    this.boxes = o.models.map((_, i) => `${o.prefix}-box-${i + 1}`);
    this.env = {
      ...process.env,
      RIM_PREFIX: o.prefix,
      RIM_SUBNET: `${o.netBase}.0/24`,
      RIM_BOXES: String(o.models.length),
      RIM_IMAGE: o.image,
      RIM_ADMIN_TOKEN: ADMIN,
      RIM_CLUSTER_TOKEN: 'rim-testbed-cluster-token-0123456789',
      RIM_EMULATE_MODELS: o.models.join(','),
      RIM_EMULATE_CPUS: o.cpus.join(','),
      RIM_STATIC_PEERS: '1',
      RIM_PROFILING: 'true',
      RIM_LOG_LEVEL: 'warn',
      RIM_EXTRA_ENV: `-e RIM_PROFILING_TUNING=${JSON.stringify(o.profilingTuning)}`,
    };
  }

  url(box: string): string {
    return `http://${this.o.netBase}.${11 + this.boxes.indexOf(box)}:7878`;
  }

  up(): void {
    execFileSync('bash', ['compose/up.sh'], { cwd: root, env: this.env, stdio: ['ignore', 'inherit', 'inherit'] });
  }

  /** Waits until `entry` sees a leader and every box an alive member. */
  async formed(entry: string): Promise<void> {
    await waitFor(
      'the cluster to form',
      async () => {
        const v = await this.get<{ leader: string | null; members: { state: string }[] }>(entry, '/v1/cluster');
        return v.leader && v.members.length === this.boxes.length && v.members.every((m) => m.state === 'alive');
      },
      120_000,
    );
  }

  /** Removes the boxes, their replicas and volumes, the network (only what carries the prefix's label). */
  down(): void {
    execFileSync('bash', ['compose/down.sh'], { cwd: root, env: this.env, stdio: 'inherit', timeout: 120_000 });
  }

  /** The box and every replica it started, killed at once (a power cut). */
  kill(box: string): void {
    const ids = docker('ps', '-q', '--filter', 'label=rim.managed=true', '--filter', `label=rim.node=${box}`);
    docker('kill', box, ...ids.split('\n').filter(Boolean));
  }

  /**
   * A request with the admin token. A change the cluster could not commit (503: leadership lost, no majority
   * in time; or no answer) is sent again, for about 30 s, a second apart: on a starved machine elections happen.
   */
  async call<T>(box: string, method: string, path: string, body?: unknown, timeoutMs = 15_000): Promise<Answer<T>> {
    for (let attempt = 1; ; attempt++) {
      const r = await this.once<T>(box, method, path, body, timeoutMs).catch((e: Error) => ({
        status: 0,
        body: e.message as T,
      }));
      if ((r.status !== 503 && r.status !== 0) || attempt >= 30) return r;
      await new Promise((res) => setTimeout(res, 1000));
    }
  }

  private async once<T>(box: string, method: string, path: string, body: unknown, timeoutMs: number) {
    const r = await fetch(`${this.url(box)}${path}`, {
      method,
      signal: AbortSignal.timeout(timeoutMs),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: keep the text */
    }
    return { status: r.status, body: parsed as T } as Answer<T>;
  }

  async get<T>(box: string, path: string): Promise<T> {
    const r = await this.call<T>(box, 'GET', path, undefined, 5000);
    if (r.status !== 200) throw new Error(`GET ${path} via ${box}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** A frame through a box's data plane: its status and round trip (status 0: no answer in time, or no box). */
  async frame(box: string, deployment: string, body: Uint8Array, timeoutMs: number) {
    const started = performance.now();
    try {
      const r = await fetch(`${this.url(box)}/v1/deployments/${deployment}/frames`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${ADMIN}` },
        body: body as unknown as BodyInit,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await r.arrayBuffer();
      return { status: r.status, ms: performance.now() - started };
    } catch {
      return { status: 0, ms: performance.now() - started };
    }
  }
}

export const docker = (...args: string[]): string =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).trim();

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      const why = last ? ` (last error: ${(last as Error).message})` : '';
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs `body` on the cluster, then removes it (compose/down.sh) whatever happens, Ctrl-C included. */
export async function withCluster(c: BenchCluster, log: (msg: string) => void, body: () => Promise<void>) {
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    log(`removing cluster ${c.o.prefix} (compose/down.sh)`);
    try {
      c.down();
    } catch (e) {
      console.error(`down.sh failed: ${(e as Error).message}`);
    }
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      cleanup();
      process.exit(130);
    });
  }
  try {
    await body();
  } finally {
    cleanup();
  }
}
