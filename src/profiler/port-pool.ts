/**
 * Ports for profiling replicas: from the replicas' range, skipping ports that
 * Rim's replicas hold and ports something on the box is listening on.
 * Replicas share the node's network, so a port we can bind is a port the
 * replica can take.
 */
import net from 'node:net';

export interface PortRange {
  from: number;
  to: number;
}

export class PortPool {
  private readonly held = new Set<number>();
  private cursor: number;

  constructor(private readonly range: PortRange) {
    this.cursor = range.to; // profiling takes ports from the top, the supervisor from the bottom
  }

  /** A free port not in `inUse`; held until released. */
  async take(inUse: Iterable<number> = []): Promise<number> {
    const busy = new Set(inUse);
    const size = this.range.to - this.range.from + 1;
    for (let i = 0; i < size; i++) {
      const p = this.cursor;
      this.cursor = this.cursor <= this.range.from ? this.range.to : this.cursor - 1;
      if (this.held.has(p) || busy.has(p)) continue;
      if (await canBind(p)) {
        this.held.add(p);
        return p;
      }
    }
    throw new Error(`no free port in ${this.range.from}-${this.range.to}`);
  }

  release(port: number): void {
    this.held.delete(port);
  }
}

export function canBind(port: number, host = '0.0.0.0'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}
