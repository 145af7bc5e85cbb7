/**
 * Warnings about refused requests, at most one per source address per
 * period: the key is the address the connection came from, never a name the
 * sender chose (5,000 made-up peer ids from one address are one line). The
 * table of addresses is bounded too; refusals past it are counted, not logged.
 */
import type { Logger } from '../log.js';

export class RefusalLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly periodMs = 10_000,
    private readonly maxSources = 1024,
  ) {}

  refused(source: string, detail: Record<string, unknown>): void {
    const now = this.now();
    const seen = this.last.get(source);
    if (seen && now - seen.at <= this.periodMs) {
      seen.suppressed++;
      return;
    }
    if (!seen && this.last.size >= this.maxSources) {
      this.prune(now);
      if (this.last.size >= this.maxSources) return;
    }
    const suppressed = seen?.suppressed ?? 0;
    this.last.set(source, { at: now, suppressed: 0 });
    this.logger.warn(
      { remote: source, ...detail, ...(suppressed ? { suppressed } : {}) },
      'peer request refused: not authenticated with the cluster token',
    );
  }

  private prune(now: number): void {
    for (const [k, v] of this.last) if (now - v.at > this.periodMs) this.last.delete(k);
  }
}
