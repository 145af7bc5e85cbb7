/**
 * Prometheus text exposition, written by hand: a few counters that the API
 * bumps and gauges read at scrape time (no timers, nothing at idle).
 */
import type { MeasuredView } from '../domain/routing/deployment-stats.js';
import type { ReplicaStatus } from '../domain/types.js';

const STATES: ReplicaStatus['state'][] = ['pending', 'starting', 'running', 'backoff', 'crash-loop', 'stopped'];

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = (l: Record<string, string>) =>
  `{${Object.entries(l)
    .map(([k, v]) => `${k}="${esc(v)}"`)
    .join(',')}}`;

export interface ScrapeState {
  nodeId: string;
  replicas: ReplicaStatus[];
  dockerReachable: boolean | undefined;
  apps: number;
  deployments: number;
  rejected: number;
  storeVersion: number;
}

type Target = { name: string; fps: number; latencyMs: number };

/** The data-plane router's measurements, as the API shows them (src/router's RouterStats). */
export interface RouterMeasurements {
  /** undefined: this node has routed no frame of the deployment. */
  measured(d: { name: string; fps: number; latencyMs: number }): MeasuredView | undefined;
  /** The router's Prometheus lines ('' when it has routed nothing). */
  render(): string;
  /** Measurements merged across the cluster's boxes, by deployment name (absent: no frame seen anywhere). */
  measuredAcross?(targets: readonly Target[]): Promise<Map<string, MeasuredView>>;
}

export class ApiMetrics {
  private readonly requests = new Map<string, number>();
  private router: RouterMeasurements | undefined;

  /** The composition root attaches the router once it is built. */
  attachRouter(r: RouterMeasurements): void {
    this.router = r;
  }

  /** What the router measured for `d` on this node, if it routed any of its frames. */
  measured(d: { name: string; fps: number; latencyMs: number }): MeasuredView | undefined {
    return this.router?.measured(d);
  }

  /** What the routers of every box measured, merged (GET /v1/deployments); this node's alone without a cluster. */
  async measuredAcross(targets: readonly Target[]): Promise<Map<string, MeasuredView>> {
    if (this.router?.measuredAcross) return this.router.measuredAcross(targets);
    const out = new Map<string, MeasuredView>();
    for (const t of targets) {
      const m = this.measured(t);
      if (m) out.set(t.name, m);
    }
    return out;
  }

  /** `route` is the matched route pattern (e.g. /v1/apps/:name), so label values stay few. */
  countRequest(method: string, route: string, status: number): void {
    const key = labels({ method, route, status: String(status) });
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  render(s: ScrapeState): string {
    const out: string[] = [];
    const metric = (name: string, type: string, help: string, rows: [string, number][]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...rows.map(([l, v]) => `${name}${l} ${v}`));
    };
    const node = { node: s.nodeId };
    metric(
      'rim_replicas',
      'gauge',
      'Replicas on this node by state.',
      STATES.map((st) => [labels({ ...node, state: st }), s.replicas.filter((r) => r.state === st).length]),
    );
    metric('rim_replica_restarts_total', 'counter', 'Restarts of replicas on this node.', [
      [labels(node), s.replicas.reduce((n, r) => n + r.restarts, 0)],
    ]);
    metric('rim_docker_reachable', 'gauge', '1 when the Docker engine answers.', [
      [labels(node), s.dockerReachable ? 1 : 0],
    ]);
    metric('rim_apps', 'gauge', 'Registered apps.', [['', s.apps]]);
    metric('rim_deployments', 'gauge', 'Deployments, admitted or not.', [['', s.deployments]]);
    metric('rim_deployments_rejected', 'gauge', 'Deployments the current plan rejects.', [['', s.rejected]]);
    metric('rim_state_version', 'gauge', 'Version of the cluster document.', [['', s.storeVersion]]);
    metric('rim_api_requests_total', 'counter', 'API requests by method, route and status.', [
      ...this.requests.entries(),
    ]);
    const mem = process.memoryUsage();
    metric('process_resident_memory_bytes', 'gauge', 'Resident memory of the appliance.', [['', mem.rss]]);
    metric('nodejs_heap_used_bytes', 'gauge', 'V8 heap in use.', [['', mem.heapUsed]]);
    return `${out.join('\n')}\n${this.router?.render() ?? ''}`;
  }
}
