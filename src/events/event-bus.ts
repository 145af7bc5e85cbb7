/**
 * In-process fan-out of what changed (replica states, apps, deployments, the
 * plan, Docker reachability) to the server-sent events stream and anyone else
 * who listens. Publishing with no listener costs nothing.
 */
export type RimEventType = 'replica' | 'app' | 'deployment' | 'plan' | 'docker' | 'profile' | 'cluster' | 'member';

export interface RimEvent {
  type: RimEventType;
  /** e.g. "registered", "removed", "state" */
  action: string;
  data: unknown;
  at: number;
}

export class EventBus {
  private readonly listeners = new Set<(e: RimEvent) => void>();
  private seq = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  publish(type: RimEventType, action: string, data: unknown): void {
    const e: RimEvent = { type, action, data, at: this.now() };
    this.seq++;
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        /* one broken listener must not stop the others */
      }
    }
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: (e: RimEvent) => void): () => void {
    this.listeners.add(listener);
    for (const w of this.waiting.splice(0)) w();
    return () => this.listeners.delete(listener);
  }

  /** Resolves when someone listens (at once if someone does), or when `signal` aborts. */
  whenListened(signal: AbortSignal): Promise<void> {
    if (this.listeners.size || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiting.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  get published(): number {
    return this.seq;
  }
  get listenerCount(): number {
    return this.listeners.size;
  }
}
