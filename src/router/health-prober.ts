/**
 * The router's health prober: every replica the router may send frames to
 * is probed on its `GET /healthz` (rotation.ts: every 500 ms while not
 * ready, every 2 s once ready, a short timeout), and enters rotation only
 * once it answers 200. The directory asks `health()` on each rebuild (not
 * per frame); a change of health invalidates the directory. A replica that
 * no rebuild asked about for `idleAfterMs` is no longer probed, so an idle
 * router probes nothing. Memory: one entry per (replica, host, port) in use.
 * A replica on another box is probed through that box's peer API (`remote`):
 * replicas listen on their own box's loopback only.
 * Probes reuse one kept-alive connection per replica (an `http.Agent`, one
 * socket per host:port): a new connection every 2 s per replica meant a
 * connect, an accept and a close (and a TIME_WAIT) each time, on both the
 * router's and the replica's core. A dead replica still shows: its kept
 * socket closes, the next probe connects afresh and is refused; a probe that
 * fails on a reused socket (the replica closed it idle as the probe went
 * out) is tried once on a fresh connection.
 */
import http from 'node:http';
import {
  afterConnectFailure,
  afterProbe,
  DEFAULT_PROBE,
  probeDelay,
  type Health,
  type ProbeConfig,
  type ProbeState,
} from '../domain/routing/rotation.js';

interface Entry {
  key: string;
  replica: string;
  host: string;
  port: number;
  via?: string;
  state: ProbeState;
  wantedAt: number;
  timer?: NodeJS.Timeout;
  /** Settles when the first probe ends. */
  first: Promise<void>;
  settleFirst: () => void;
}

export interface HealthProberOptions {
  now: () => number;
  /** Told when a replica enters or leaves rotation (the directory then rebuilds). */
  onChange: () => void;
  config?: Partial<ProbeConfig>;
  /** Probes a replica of another box through its peer API (`via`: the member's address); without it, never ready. */
  remote?: (via: string, replica: string, timeoutMs: number) => Promise<boolean>;
}

export class HealthProber {
  private readonly entries = new Map<string, Entry>();
  private readonly cfg: ProbeConfig;
  private closed = false;
  /** Keep-alive, one socket per replica's host:port: probes reuse it. */
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });

  constructor(private readonly opts: HealthProberOptions) {
    this.cfg = { ...DEFAULT_PROBE, ...opts.config };
  }

  /** The replica's health now; the first ask starts probing it. */
  health(replica: string, host: string, port: number, via?: string): Health {
    const key = `${replica}@${host}:${port}`;
    let e = this.entries.get(key);
    if (!e) {
      let settleFirst!: () => void;
      const first = new Promise<void>((r) => {
        settleFirst = r;
      });
      e = {
        key,
        replica,
        host,
        port,
        via,
        state: { health: 'unprobed', failures: 0 },
        wantedAt: 0,
        first,
        settleFirst,
      };
      this.entries.set(key, e);
      if (!this.closed) this.probe(e);
    }
    e.wantedAt = this.opts.now();
    return e.state.health;
  }

  /** A frame could not connect to host:port: every replica there leaves rotation until its /healthz answers. */
  markDown(host: string, port: number): void {
    for (const e of this.entries.values()) {
      if (e.host !== host || e.port !== port || e.state.health === 'not-ready') continue;
      e.state = afterConnectFailure(e.state);
      this.schedule(e, this.cfg.notReadyEveryMs);
      this.opts.onChange();
    }
  }

  /** Waits (at most `maxWaitMs`) for replicas still unprobed; false when there were none. */
  async firstAnswers(maxWaitMs: number): Promise<boolean> {
    const pending = [...this.entries.values()].filter((e) => e.state.health === 'unprobed').map((e) => e.first);
    if (!pending.length || maxWaitMs <= 0) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((r) => {
      timer = setTimeout(r, maxWaitMs);
    });
    await Promise.race([Promise.all(pending), timeout]);
    clearTimeout(timer);
    return true;
  }

  close(): void {
    this.closed = true;
    for (const e of this.entries.values()) {
      clearTimeout(e.timer);
      e.settleFirst();
    }
    this.entries.clear();
    this.agent.destroy();
  }

  private schedule(e: Entry, ms: number): void {
    clearTimeout(e.timer);
    if (this.closed || this.entries.get(e.key) !== e) return;
    e.timer = setTimeout(() => this.probe(e), ms);
    e.timer.unref();
  }

  private probe(e: Entry): void {
    e.timer = undefined;
    if (this.opts.now() - e.wantedAt > this.cfg.idleAfterMs && e.wantedAt > 0) {
      this.entries.delete(e.key);
      return;
    }
    const remote = this.opts.remote;
    const probe = e.via
      ? remote
        ? remote(e.via, e.replica, this.cfg.timeoutMs).catch(() => false)
        : Promise.resolve(false)
      : healthz(e.host, e.port, this.cfg.timeoutMs, this.agent);
    void probe.then((ok) => {
      if (this.closed || this.entries.get(e.key) !== e) return;
      const before = e.state.health;
      e.state = afterProbe(e.state, ok, this.cfg);
      e.settleFirst();
      if (e.state.health !== before) this.opts.onChange();
      this.schedule(e, probeDelay(e.state, this.cfg));
    });
  }
}

/**
 * true when GET /healthz answers 2xx within `timeoutMs`. Without `agent`, a
 * fresh connection; with a keep-alive agent, its kept socket, and once more
 * on a fresh one if the kept socket failed (closed by the server meanwhile).
 */
export function healthz(host: string, port: number, timeoutMs: number, agent?: http.Agent): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: '/healthz', agent: agent ?? false, timeout: timeoutMs }, (res) => {
      res.resume();
      const ok = (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300;
      res.on('end', () => resolve(ok));
      res.on('error', () => resolve(false));
    });
    let timedOut = false;
    req.on('timeout', () => {
      timedOut = true;
      req.destroy(new Error('timeout'));
    });
    // A kept socket the server closed as the probe went out: once more, fresh. A timeout is the replica's answer.
    req.on('error', () => resolve(agent && req.reusedSocket && !timedOut ? healthz(host, port, timeoutMs) : false));
  });
}
