/**
 * Replica states (and so ports) of the other members: each appliance serves
 * its own under `GET /v1/nodes/<its id>`, so the router asks the member at
 * its API address, in the background, and keeps the answer for `ttlMs`.
 * A frame waits for a member's first answer at most until its deadline
 * (`firstAnswers`); a member that does not answer leaves its replicas "port
 * unknown", and a frame that needs them gets a 503 naming them.
 */
import http from 'node:http';
import { z } from 'zod';
import type { ReplicaStatus } from '../domain/types.js';
import type { Logger } from '../log.js';
import type { RemoteReplicas } from './live-directory.js';

const replicaList = z.object({
  replicas: z
    .array(
      z.looseObject({
        name: z.string(),
        app: z.string(),
        module: z.string(),
        variant: z.string(),
        port: z.number().int(),
        accelerator: z.string(),
        state: z.string(),
        restarts: z.number(),
      }),
    )
    .nullable(),
});

interface Entry {
  replicas?: readonly ReplicaStatus[];
  fetchedAt: number;
  inFlight?: Promise<void>;
}

export interface MemberReplicasOptions {
  /** Sent as a bearer token, for appliances whose reads are closed (a cluster usually shares its admin token). */
  adminToken?: string;
  logger: Logger;
  now: () => number;
  ttlMs?: number;
  timeoutMs?: number;
  /** Called when a member's list arrived (the directory then rebuilds). */
  onUpdate?: () => void;
}

export class MemberReplicas implements RemoteReplicas {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly agent = new http.Agent({ keepAlive: true, maxFreeSockets: 4 });
  private lastWarn = new Map<string, number>();

  constructor(private readonly opts: MemberReplicasOptions) {
    this.ttlMs = opts.ttlMs ?? 2000;
  }

  snapshot(
    wanted: readonly { id: string; address: string }[],
    now: number,
  ): ReadonlyMap<string, readonly ReplicaStatus[]> {
    const out = new Map<string, readonly ReplicaStatus[]>();
    for (const m of wanted) {
      let e = this.entries.get(m.id);
      if (!e) {
        e = { fetchedAt: -Infinity };
        this.entries.set(m.id, e);
      }
      if (e.replicas) out.set(m.id, e.replicas);
      if (!e.inFlight && now - e.fetchedAt >= this.ttlMs) e.inFlight = this.fetch(m, e);
    }
    return out;
  }

  firstAnswers(maxWaitMs: number): Promise<boolean> {
    const first = [...this.entries.values()].filter((e) => !e.replicas && e.inFlight).map((e) => e.inFlight!);
    if (!first.length || maxWaitMs <= 0) return Promise.resolve(false);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((r) => {
      timer = setTimeout(r, maxWaitMs);
    });
    return Promise.race([Promise.all(first), timeout]).then(() => {
      clearTimeout(timer);
      return true;
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private async fetch(m: { id: string; address: string }, e: Entry): Promise<void> {
    try {
      const body = await this.get(`http://${m.address}/v1/nodes/${encodeURIComponent(m.id)}`);
      const parsed = replicaList.parse(JSON.parse(body));
      e.replicas = (parsed.replicas ?? []) as unknown as ReplicaStatus[];
      this.opts.onUpdate?.();
    } catch (err) {
      const now = this.opts.now();
      if (now - (this.lastWarn.get(m.id) ?? -Infinity) > 60_000) {
        this.lastWarn.set(m.id, now);
        this.opts.logger.warn(
          { member: m.id, address: m.address, err: (err as Error).message },
          "router: cannot read a member's replicas; frames needing them get 503",
        );
      }
    } finally {
      e.fetchedAt = this.opts.now();
      e.inFlight = undefined;
    }
  }

  private get(url: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (this.opts.adminToken) headers.authorization = `Bearer ${this.opts.adminToken}`;
      const req = http.get(url, { agent: this.agent, headers, timeout: this.opts.timeoutMs ?? 2000 }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode}`))));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
    });
  }
}
