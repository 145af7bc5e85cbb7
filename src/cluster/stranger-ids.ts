/**
 * The peer ids each source address claims without being a known member. A
 * retired member calling a member route is refused, and is not cooled down
 * for it (it must still reach /hello and /join): it claims one id, its own.
 * An address that claims more than `maxIds` unknown ids within the window is
 * making them up (one box runs one node), and its refusals count towards the
 * cool-down like a bad signature's. Both tables are bounded: an address's ids
 * stop growing past `maxIds`, and past `maxAddresses` new addresses are not
 * tracked.
 */
export const STRANGER_IDS = { maxIds: 2, windowMs: 5000, maxAddresses: 1024 };

interface Claims {
  since: number;
  ids: Set<string>;
}

export class StrangerIds {
  private readonly byAddress = new Map<string, Claims>();
  private readonly cfg: typeof STRANGER_IDS;

  constructor(
    private readonly now: () => number,
    cfg: Partial<typeof STRANGER_IDS> = {},
  ) {
    this.cfg = { ...STRANGER_IDS, ...cfg };
  }

  /** Records that `address` claimed `id`, no known member's; true once it has claimed too many within the window. */
  claim(address: string, id: string): boolean {
    const now = this.now();
    let c = this.byAddress.get(address);
    if (c && now - c.since > this.cfg.windowMs) {
      this.byAddress.delete(address);
      c = undefined;
    }
    if (!c) {
      if (this.byAddress.size >= this.cfg.maxAddresses) this.prune(now);
      if (this.byAddress.size >= this.cfg.maxAddresses) return false;
      c = { since: now, ids: new Set() };
      this.byAddress.set(address, c);
    }
    if (c.ids.size <= this.cfg.maxIds) c.ids.add(id);
    return c.ids.size > this.cfg.maxIds;
  }

  /** Addresses tracked now. */
  get size(): number {
    return this.byAddress.size;
  }

  private prune(now: number): void {
    for (const [a, c] of this.byAddress) if (now - c.since > this.cfg.windowMs) this.byAddress.delete(a);
  }
}
