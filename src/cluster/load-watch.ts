/**
 * The leader's view of measured load: every `everyMs` (2 s) it reads the
 * cluster's merged measurements of every deployment (arrival and output
 * rates, frames by outcome, latency percentiles: the routers' windows of
 * every alive box, router/cluster-measurements.ts) and runs the load
 * trigger (domain/planning/load-trigger.ts) on them. An `auto` rate whose
 * arrival left its band gets its new allocation written to the document
 * (which re-plans it; a box alone stores it and plans, through the
 * control); a sustained SLO violation asks for a re-plan. Either
 * way the reason is handed to the next plan.
 */
import type { MeasuredView } from '../domain/routing/deployment-stats.js';
import {
  DEFAULT_LOAD_TRIGGER,
  emptyLoadTriggerState,
  loadDecisions,
  type LoadMeasure,
  type LoadTriggerConfig,
} from '../domain/planning/load-trigger.js';
import type { ClusterDocument, StoredDeployment } from '../domain/types.js';
import type { Logger } from '../log.js';
import type { ClusterView } from './cluster-view.js';

export type MeasureLoad = (ds: readonly StoredDeployment[]) => Promise<ReadonlyMap<string, MeasuredView>>;

/** Stores new allocations of auto rates (by deployment name) for the next plan. */
export type Reallocate = (fps: ReadonlyMap<string, number>, reason: string) => Promise<void>;

/** In a cluster: the leader proposes the new allocations to the document (a re-plan follows). */
export const proposeAllocations =
  (view: Pick<ClusterView, 'propose'>): Reallocate =>
  async (fps) => {
    await view.propose((head, next) => {
      if (!head) return null;
      const deployments = head.data.deployments.map((d) =>
        fps.has(d.name) && d.maxFps !== undefined ? { ...d, fps: fps.get(d.name)! } : d,
      );
      return { data: { ...head.data, deployments, version: next } };
    });
  };

export interface LoadWatchDeps {
  reallocate: Reallocate;
  measure: MeasureLoad;
  logger: Logger;
  now: () => number;
  everyMs?: number;
  trigger?: LoadTriggerConfig;
}

export const LOAD_WATCH_EVERY_MS = 2000;

export class LoadWatch {
  private state = emptyLoadTriggerState();
  private lastAt = -Infinity;
  private view: ReadonlyMap<string, MeasuredView> = new Map();

  constructor(private readonly deps: LoadWatchDeps) {}

  /** The cluster's merged measurements of each deployment, as of the last look. */
  measured(): ReadonlyMap<string, MeasuredView> {
    return this.view;
  }

  /**
   * Looks (when due) and acts; returns why to plan again, or undefined. A
   * re-allocation lost to a conflicting proposal is retried after the cooldown.
   */
  async tick(doc: ClusterDocument): Promise<string | undefined> {
    const now = this.deps.now();
    if (now - this.lastAt < (this.deps.everyMs ?? LOAD_WATCH_EVERY_MS)) return undefined;
    this.lastAt = now;
    this.view = await this.deps.measure(doc.deployments);
    const placed = new Set(doc.plan?.placements.map((p) => p.deployment) ?? []);
    const targets = doc.deployments.map((d) => ({
      name: d.name,
      fps: d.fps,
      maxFps: d.maxFps,
      placed: placed.has(d.name),
    }));
    const loads = new Map<string, LoadMeasure>();
    for (const [name, v] of this.view) {
      if (v.inputFps !== null) loads.set(name, { arrivalFps: v.inputFps, sloViolated: v.slo === 'violated' });
    }
    const r = loadDecisions(this.state, targets, loads, this.deps.now(), this.deps.trigger ?? DEFAULT_LOAD_TRIGGER);
    this.state = r.state;
    if (!r.decisions.length) return undefined;
    for (const d of r.decisions) this.deps.logger.info({ ...d }, d.reason);
    const fps = new Map(r.decisions.flatMap((d) => (d.fps !== undefined ? [[d.deployment, d.fps] as const] : [])));
    const reason = r.decisions.map((d) => d.reason).join('; ');
    if (fps.size) await this.deps.reallocate(fps, reason);
    return reason;
  }
}
