/**
 * /metrics through prom-client: counters the API bumps, and gauges set from
 * the state read at scrape time (no timers, nothing at idle). Conventional
 * names: base units (seconds, ratios), `_total` for counters, few labels.
 * The router's own lines (frames by outcome, the latency histogram) follow.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { splitUtilisationKey } from '../domain/placement/utilisation-key.js';
import type { MeasuredView } from '../domain/routing/deployment-stats.js';
import type { ReplicaStatus, StoredProfile } from '../domain/types.js';
import type { AcceleratorUse } from './measured-utilisation.js';

const STATES: ReplicaStatus['state'][] = ['pending', 'starting', 'running', 'backoff', 'crash-loop', 'stopped'];
const PROFILE_STATES: StoredProfile['state'][] = ['ok', 'failed', 'stale'];

/** One deployment's SLO figures as the API shows them (merged across boxes where the API merges). */
export interface DeploymentSlo {
  name: string;
  fps: number;
  latencyMs: number;
  measured: MeasuredView;
}

export interface ScrapeState {
  nodeId: string;
  replicas: ReplicaStatus[];
  /** The supervisor's restarts since it came up (only grows); absent: not counted. */
  restartsTotal?: number;
  dockerReachable: boolean | undefined;
  apps: number;
  deployments: DeploymentSlo[];
  rejected: number;
  storeVersion: number;
  leader: string | null;
  term: number;
  /** The plan's share of capacity, by `"<node>/<accelerator>"` (`"<node>/cpu"` for a node's cores). */
  planUtilisation: Record<string, number>;
  measuredUtilisation: Record<string, AcceleratorUse>;
  profiles: StoredProfile[];
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

const orNaN = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : NaN);

export class ApiMetrics {
  readonly registry = new Registry();
  private router: RouterMeasurements | undefined;
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly restartsTotal: Counter<'node'>;
  /** The supervisor's total at the last scrape: the counter grows by the difference. */
  private restartsSeen = 0;
  private readonly gauges: Record<string, Gauge<string>>;

  constructor() {
    const r = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    // prom-client names these gauges *_total, which promtool's lint refuses: the rest of the defaults stay.
    for (const n of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
      this.registry.removeSingleMetric(n);
    }
    this.requests = new Counter({
      name: 'rim_api_requests_total',
      help: 'API requests by method, route and status.',
      labelNames: ['method', 'route', 'status'],
      registers: r,
    });
    this.restartsTotal = new Counter({
      name: 'rim_replica_restarts_total',
      help: 'Restarts of replicas by the supervisor of this node since the appliance started.',
      labelNames: ['node'],
      registers: r,
    });
    const g = (name: string, help: string, labelNames: string[] = []) =>
      new Gauge({ name, help, labelNames, registers: r });
    this.gauges = {
      replicas: g('rim_replicas', 'Replicas on this node by state.', ['node', 'state']),
      restarts: g(
        'rim_replica_restarts',
        'Restarts of the replicas on this node now, as rim status shows them (reset after a healthy minute).',
        ['node'],
      ),
      docker: g('rim_docker_reachable', '1 when the Docker engine answers.', ['node']),
      apps: g('rim_apps', 'Registered apps.'),
      deployments: g('rim_deployments', 'Deployments, admitted or not.'),
      rejected: g('rim_deployments_rejected', 'Deployments the current plan rejects.'),
      version: g('rim_state_version', 'Version of the cluster document.'),
      term: g('rim_cluster_term', 'Raft term this node knows.', ['node']),
      leader: g('rim_cluster_leader', '1 for the member this node knows as the leader.', ['node', 'leader']),
      isLeader: g('rim_cluster_is_leader', '1 when this node is the leader.', ['node']),
      plan: g('rim_plan_utilisation_ratio', "The plan's share of an accelerator's capacity (0..1).", [
        'node',
        'accelerator',
      ]),
      measured: g('rim_accelerator_utilisation_ratio', 'Measured busy share of an accelerator on this node (0..1).', [
        'node',
        'accelerator',
        'source',
      ]),
      profiles: g('rim_profiles', 'Stored profiles by state.', ['state']),
      targetFps: g('rim_deployment_target_fps', 'Frames per second the deployment asks for.', ['deployment']),
      inputFps: g('rim_deployment_input_fps', 'Frames per second arriving for the deployment, all boxes.', [
        'deployment',
      ]),
      outputFps: g('rim_deployment_output_fps', 'Frames per second finished for the deployment, all boxes.', [
        'deployment',
      ]),
      finish: g('rim_deployment_finish_ratio', 'Finished over expected frames (min of target and input).', [
        'deployment',
      ]),
      p99: g('rim_deployment_latency_p99_seconds', 'p99 end-to-end latency of recent frames, all boxes.', [
        'deployment',
      ]),
      targetLatency: g('rim_deployment_latency_target_seconds', 'Latency target of the deployment.', ['deployment']),
      slo: g('rim_deployment_slo_met', '1 when the deployment meets its SLO, 0 when violated, NaN when idle.', [
        'deployment',
      ]),
    };
  }

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
    this.requests.inc({ method, route, status: String(status) });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async render(s: ScrapeState): Promise<string> {
    const g = this.gauges;
    for (const k of Object.keys(g)) g[k]!.reset();
    const node = s.nodeId;
    for (const st of STATES) g.replicas!.set({ node, state: st }, s.replicas.filter((r) => r.state === st).length);
    g.restarts!.set(
      { node },
      s.replicas.reduce((n, r) => n + r.restarts, 0),
    );
    const total = s.restartsTotal ?? s.replicas.reduce((n, r) => n + r.restarts, 0);
    if (total > this.restartsSeen) this.restartsTotal.inc({ node }, total - this.restartsSeen);
    else this.restartsTotal.inc({ node }, 0); // present from the first scrape
    this.restartsSeen = Math.max(this.restartsSeen, total);
    g.docker!.set({ node }, s.dockerReachable ? 1 : 0);
    g.apps!.set(s.apps);
    g.deployments!.set(s.deployments.length);
    g.rejected!.set(s.rejected);
    g.version!.set(s.storeVersion);
    g.term!.set({ node }, s.term);
    if (s.leader) g.leader!.set({ node, leader: s.leader }, 1);
    g.isLeader!.set({ node }, s.leader === node ? 1 : 0);
    for (const [key, v] of Object.entries(s.planUtilisation)) {
      // A key without its node (a plan stored before the node/accelerator keying) names no one box: left out.
      const at = splitUtilisationKey(key);
      if (at) g.plan!.set({ node: at.node, accelerator: at.accelerator }, v);
    }
    for (const [accel, u] of Object.entries(s.measuredUtilisation)) {
      g.measured!.set({ node, accelerator: accel, source: u.source }, orNaN(u.ratio));
    }
    for (const st of PROFILE_STATES) g.profiles!.set({ state: st }, s.profiles.filter((p) => p.state === st).length);
    for (const d of s.deployments) this.setDeployment(d);
    return `${await this.registry.metrics()}${this.router?.render() ?? ''}`;
  }

  private setDeployment(d: DeploymentSlo): void {
    const g = this.gauges;
    const l = { deployment: d.name };
    const m = d.measured;
    g.targetFps!.set(l, d.fps);
    g.targetLatency!.set(l, d.latencyMs / 1000);
    g.inputFps!.set(l, orNaN(m.inputFps));
    g.outputFps!.set(l, orNaN(m.fps));
    const expected = Math.min(d.fps, m.inputFps ?? d.fps);
    g.finish!.set(l, m.fps === null || !(expected > 0) ? NaN : Math.min(1, m.fps / expected));
    g.p99!.set(l, m.latencyMs.p99 === null ? NaN : m.latencyMs.p99 / 1000);
    g.slo!.set(l, m.slo === 'met' ? 1 : m.slo === 'violated' ? 0 : NaN);
  }
}
