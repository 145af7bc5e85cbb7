/**
 * Whether the Docker engine answers. Pinged at start, then every
 * `intervalMs` while it answers; while it does not, retried with backoff
 * (1 s doubling up to `intervalMs`). The status page, /readyz,
 * /v1/nodes/:id, the metrics and the logs all read the one answer here.
 */
import type { ContainerEngine } from '../adapters/container-engine.js';
import type { Logger } from '../log.js';
import { sleep } from '../sleep.js';

export interface DockerState {
  /** undefined until the first ping answers or fails. */
  reachable?: boolean;
  checkedAt?: number;
  error?: string;
  /** A sentence for operators: "docker reachable" or "docker unreachable: …". */
  status: string;
}

export class DockerHealth {
  private state: DockerState = { status: 'docker: not checked yet' };
  private readonly listeners = new Set<(s: DockerState) => void>();

  constructor(
    private readonly engine: Pick<ContainerEngine, 'ping'>,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    /** A ping that hangs counts as unreachable after this long. */
    private readonly timeoutMs = 5000,
  ) {}

  get(): DockerState {
    return { ...this.state };
  }

  onChange(fn: (s: DockerState) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Pings once and records the answer. */
  async check(): Promise<DockerState> {
    let next: DockerState;
    try {
      await withTimeout(this.engine.ping(), this.timeoutMs, `no answer within ${this.timeoutMs} ms`);
      next = { reachable: true, checkedAt: this.now(), status: 'docker reachable' };
    } catch (e) {
      const error = (e as Error).message || String(e);
      next = { reachable: false, checkedAt: this.now(), error, status: `docker unreachable: ${error}` };
    }
    const changed = next.reachable !== this.state.reachable;
    this.state = next;
    if (changed) {
      if (next.reachable) this.logger.info({ docker: 'reachable' }, 'docker reachable');
      else
        this.logger.warn(
          { docker: 'unreachable', err: next.error },
          `${next.status} (the appliance keeps serving and retries in the background)`,
        );
      for (const l of this.listeners) l(this.get());
    }
    return this.get();
  }

  /** true once the engine answers (at once when it does now); false when `signal` aborts first. */
  async untilReachable(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted && !this.state.reachable) await this.nextChange(signal);
    return !signal.aborted;
  }

  private nextChange(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const off = this.onChange(() => done());
      const done = () => {
        off();
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Checks until `signal` aborts; resolves then. */
  async watch(signal: AbortSignal, intervalMs: number): Promise<void> {
    let backoff = 1000;
    while (!signal.aborted) {
      const s = await this.check();
      const wait = s.reachable ? intervalMs : backoff;
      backoff = s.reachable ? 1000 : Math.min(backoff * 2, intervalMs);
      await sleep(wait, signal);
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}
