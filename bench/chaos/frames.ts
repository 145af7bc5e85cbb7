/**
 * Frames flowing through the chaos run: each deployment the run believes
 * exists gets frames at SEND_SHARE of its admitted rate (a client within
 * its rate: at exactly the rate, the boxes' admission shares lag each move
 * of the traffic and refuse some frames with 429), open loop (as `rim load` plays
 * them, src/cli/load/schedule.ts), each sent to the next box in turn that
 * is not under a fault that makes it unreachable. Counts every answer by
 * kind; the run reads the totals at the end.
 */
import { sendTimes } from '../../src/cli/load/schedule.js';
import type { TestCluster } from '../../test/integration/cluster-harness.js';

export interface FrameTarget {
  name: string;
  fps: number;
  latencyMs: number;
}

export interface FrameCounts {
  sent: number;
  inTime: number;
  late: number;
  rateLimited: number;
  unavailable: number;
  notFound: number;
  other: number;
  noAnswer: number;
}

export const SEND_SHARE = 0.75;

const BODY = Buffer.from(JSON.stringify({ rim: 'chaos', note: 'a generated frame' }));

export class FrameLoad {
  readonly counts: FrameCounts = {
    sent: 0,
    inTime: 0,
    late: 0,
    rateLimited: 0,
    unavailable: 0,
    notFound: 0,
    other: 0,
    noAnswer: 0,
  };
  private stopped = false;
  private next = 0;
  private readonly inflight = new Set<Promise<void>>();
  private loop?: Promise<void>;

  constructor(
    private readonly c: TestCluster,
    /** The deployments to feed, read again every second. */
    private readonly targets: () => FrameTarget[],
    /** Boxes not to send to right now (cut off, paused, down). */
    private readonly avoid: () => ReadonlySet<string>,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await Promise.all(this.inflight);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const t0 = performance.now();
      // One second of frames per deployment, each at its times within the second.
      const sends = this.targets().flatMap((t) => sendTimes(t.fps * SEND_SHARE, 1).map((at) => ({ at, t })));
      sends.sort((a, b) => a.at - b.at);
      for (const s of sends) {
        const wait = t0 + s.at - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (this.stopped) return;
        const p = this.send(s.t).finally(() => this.inflight.delete(p));
        this.inflight.add(p);
      }
      const rest = t0 + 1000 - performance.now();
      if (rest > 0) await new Promise((r) => setTimeout(r, rest));
    }
  }

  private pickBox(): string {
    const avoid = this.avoid();
    const ok = this.c.boxes.filter((b) => !avoid.has(b));
    const list = ok.length ? ok : this.c.boxes;
    return list[this.next++ % list.length]!;
  }

  private async send(t: FrameTarget): Promise<void> {
    const box = this.pickBox();
    const url = `http://${this.c.ip(box)}:7878/v1/deployments/${encodeURIComponent(t.name)}/frames`;
    const start = performance.now();
    this.counts.sent++;
    try {
      const r = await fetch(url, { method: 'POST', body: BODY, signal: AbortSignal.timeout(t.latencyMs + 2000) });
      await r.arrayBuffer();
      const ms = performance.now() - start;
      if (r.status === 200) this.counts[ms <= t.latencyMs ? 'inTime' : 'late']++;
      else if (r.status === 429) this.counts.rateLimited++;
      else if (r.status === 503) this.counts.unavailable++;
      else if (r.status === 404) this.counts.notFound++;
      else this.counts.other++;
    } catch {
      this.counts.noAnswer++;
    }
  }
}
