/**
 * The router's measurements by deployment: what GET /v1/deployments shows as
 * `measured`, and the router's lines on /metrics (counters by outcome, a
 * latency histogram, the finish rate); and by replica, its served rate and
 * busy time (replica-load.ts), shown with each deployment that used it. Read
 * at request or scrape time only.
 */
import {
  DeploymentStats,
  LATENCY_BUCKETS_MS,
  OUTCOMES,
  type MeasuredView,
  type StatsOptions,
} from '../domain/routing/deployment-stats.js';
import { ReplicaLoad, type ReplicaWindow } from '../domain/routing/replica-load.js';
import type { StatsWindow } from '../domain/routing/stats-window.js';

export interface RouterStatsSource {
  /** undefined: no frame seen for this deployment on this node. */
  measured(deployment: { name: string; fps: number; latencyMs: number }): MeasuredView | undefined;
  /** Prometheus text lines (HELP/TYPE included), ending with a newline; '' when nothing was routed. */
  renderMetrics(deployments: readonly { name: string; fps: number; latencyMs: number }[]): string;
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export class RouterStats implements RouterStatsSource {
  private readonly byDeployment = new Map<string, DeploymentStats>();
  private readonly byReplica = new Map<string, ReplicaLoad>();

  constructor(
    private readonly now: () => number,
    private readonly opts: StatsOptions = {},
  ) {}

  for(name: string): DeploymentStats {
    let s = this.byDeployment.get(name);
    if (!s) {
      s = new DeploymentStats(this.opts);
      this.byDeployment.set(name, s);
    }
    return s;
  }

  /** The load of replica `name` (on `node`, of `module`), and that `deployment` sends it frames. */
  replica(deployment: string, name: string, node: string, module: string): ReplicaLoad {
    let r = this.byReplica.get(name);
    if (!r) {
      r = new ReplicaLoad(node, module, this.opts.windowMs);
      this.byReplica.set(name, r);
    }
    this.for(deployment).replicas.add(name);
    return r;
  }

  /** This box's measurements of a deployment in the mergeable form, with the loads of its replicas active lately. */
  window(name: string, now: number): StatsWindow | undefined {
    const s = this.byDeployment.get(name);
    if (!s) return undefined;
    const w = s.window(now);
    const replicas: Record<string, ReplicaWindow> = {};
    for (const r of s.replicas) {
      const load = this.byReplica.get(r);
      if (load?.active(now)) replicas[r] = load.window(now);
    }
    return Object.keys(replicas).length ? { ...w, replicas } : w;
  }

  /** The deployments this node has seen frames of, with their measurements. */
  entries(): IterableIterator<[string, DeploymentStats]> {
    return this.byDeployment.entries();
  }

  /** Forgets deployments no longer present. */
  retain(names: ReadonlySet<string>): void {
    for (const n of this.byDeployment.keys()) if (!names.has(n)) this.byDeployment.delete(n);
    const used = new Set([...this.byDeployment.values()].flatMap((s) => [...s.replicas]));
    for (const r of this.byReplica.keys()) if (!used.has(r)) this.byReplica.delete(r);
  }

  measured(d: { name: string; fps: number; latencyMs: number }): MeasuredView | undefined {
    return this.byDeployment.get(d.name)?.view(this.now(), d);
  }

  renderMetrics(deployments: readonly { name: string; fps: number; latencyMs: number }[]): string {
    if (!this.byDeployment.size) return '';
    const targets = new Map(deployments.map((d) => [d.name, d]));
    const now = this.now();
    const out: string[] = [
      '# HELP rim_router_frames_total Frames routed by this node, by deployment and outcome.',
      '# TYPE rim_router_frames_total counter',
    ];
    const rows = [...this.byDeployment].sort(([a], [b]) => a.localeCompare(b));
    for (const [name, s] of rows) {
      for (const o of OUTCOMES)
        out.push(`rim_router_frames_total{deployment="${esc(name)}",outcome="${o}"} ${s.counts[o]}`);
    }
    out.push(
      '# HELP rim_router_frame_latency_seconds End-to-end latency of finished frames (arrival to answer).',
      '# TYPE rim_router_frame_latency_seconds histogram',
    );
    const h = 'rim_router_frame_latency_seconds';
    for (const [name, s] of rows) {
      const d = esc(name);
      LATENCY_BUCKETS_MS.forEach((le, i) =>
        out.push(`${h}_bucket{deployment="${d}",le="${le / 1000}"} ${s.buckets[i]}`),
      );
      out.push(
        `${h}_bucket{deployment="${d}",le="+Inf"} ${s.buckets[LATENCY_BUCKETS_MS.length]}`,
        `${h}_sum{deployment="${d}"} ${round(s.latencySumMs / 1000)}`,
        `${h}_count{deployment="${d}"} ${s.counts.ok}`,
      );
    }
    out.push(
      '# HELP rim_router_finish_fps Frames finished per second over the last window.',
      '# TYPE rim_router_finish_fps gauge',
    );
    const slo: string[] = [];
    for (const [name, s] of rows) {
      const t = targets.get(name);
      if (!t) continue;
      const v = s.view(now, t);
      out.push(`rim_router_finish_fps{deployment="${esc(name)}"} ${v.fps ?? 0}`);
      slo.push(
        `rim_router_slo_met{deployment="${esc(name)}"} ${v.slo === 'met' ? 1 : v.slo === 'violated' ? 0 : 'NaN'}`,
      );
    }
    out.push(
      '# HELP rim_router_slo_met 1 when the deployment meets its SLO over the window, 0 when violated, NaN when idle.',
      '# TYPE rim_router_slo_met gauge',
      ...slo,
    );
    return `${out.join('\n')}\n`;
  }
}

const round = (v: number) => Math.round(v * 1000) / 1000;
