/**
 * A cool-down for client addresses that keep being refused. An address whose
 * requests were refused `refusals` times within `windowMs` (event streams
 * past their caps, unsigned or badly signed peer calls) has its new
 * connections closed as soon as they are accepted, for `blockMs`: nothing
 * is parsed, routed, answered or logged for it. A flood of refused requests
 * then costs an accept and a close each, so the requests of everyone else
 * (`/healthz` among them) do not queue behind thousands of full refusals.
 * The table of addresses is bounded; past it, new addresses are not tracked.
 */
export const COOLDOWN = { refusals: 5, windowMs: 5000, blockMs: 5000, maxAddresses: 4096 };

interface Entry {
  windowStart: number;
  count: number;
  blockedUntil: number;
}

export class RefusalCooldown {
  private readonly entries = new Map<string, Entry>();
  private readonly cfg: typeof COOLDOWN;

  constructor(
    private readonly now: () => number = Date.now,
    cfg: Partial<typeof COOLDOWN> = {},
  ) {
    this.cfg = { ...COOLDOWN, ...cfg };
  }

  /** One request from `address` was refused. */
  refused(address: string): void {
    const now = this.now();
    let e = this.entries.get(address);
    if (!e) {
      if (this.entries.size >= this.cfg.maxAddresses) this.prune(now);
      if (this.entries.size >= this.cfg.maxAddresses) return;
      e = { windowStart: now, count: 0, blockedUntil: 0 };
      this.entries.set(address, e);
    }
    if (now - e.windowStart > this.cfg.windowMs) {
      e.windowStart = now;
      e.count = 0;
    }
    if (++e.count >= this.cfg.refusals) e.blockedUntil = now + this.cfg.blockMs;
  }

  /** Whether a new connection from `address` is to be closed at once. */
  blocked(address: string): boolean {
    const e = this.entries.get(address);
    return e !== undefined && e.blockedUntil > this.now();
  }

  /** Addresses tracked now (bounded by maxAddresses). */
  get size(): number {
    return this.entries.size;
  }

  private prune(now: number): void {
    for (const [a, e] of this.entries) {
      if (e.blockedUntil <= now && now - e.windowStart > this.cfg.windowMs) this.entries.delete(a);
    }
  }
}

/** The client's address as a socket reports it, without the IPv4-mapped prefix. */
export function clientIp(remoteAddress: string | undefined): string {
  const ip = remoteAddress ?? '';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
