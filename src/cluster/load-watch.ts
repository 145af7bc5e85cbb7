/**
 * The leader's view of measured load: every `everyMs` (2 s) it reads the
 * cluster's merged measurements of every deployment (arrival and output
 * rates, frames by outcome, latency percentiles: the routers' windows of
 * every alive box, router/cluster-measurements.ts) and runs the load
 * trigger (domain/planning/load-trigger.ts) on them. An `auto` rate whose
 * arrival left its band gets its new allocation written to the document
 * (which re-plans it; a box alone stores it and plans, through the
 * control); a sustained SLO violation asks for a re-plan, and so does a
 * replica that stays saturated while serving less than its profile's fps at
 * its share (domain/planning/capacity-trigger.ts, over the replicas' served
 * rates and busy time). Each way the reason is handed to the next plan and
 * announced (an event naming the trigger). A replica short of its profile
 * also lowers the measured capacity factor of its module on its accelerator,
 * and one that measures as recovered raises it (domain/planning/
 * capacity-factors.ts); the leader plans with the factors (`factors()`).
 */
import type { MeasuredView } from '../domain/routing/deployment-stats.js';
import {
  DEFAULT_LOAD_TRIGGER,
  emptyLoadTriggerState,
  loadDecisions,
  type LoadMeasure,
  type LoadTriggerConfig,
} from '../domain/planning/load-trigger.js';
import {
  capacityDecisions,
  DEFAULT_CAPACITY,
  emptyCapacityState,
  type CapacityConfig,
} from '../domain/planning/capacity-trigger.js';
import {
  DEFAULT_FACTORS,
  emptyFactorState,
  factorDecisions,
  type CapacityFactors,
  type CapacitySlot,
  type CapacityMeasure,
  type FactorChange,
  type FactorConfig,
} from '../domain/planning/capacity-factors.js';
import { plannedReplicas, type PlannedReplica } from '../domain/planning/planned-replicas.js';
import type { ClusterDocument, StoredDeployment } from '../domain/types.js';
import type { Logger } from '../log.js';
import type { ClusterView } from './cluster-view.js';

export type MeasureLoad = (ds: readonly StoredDeployment[]) => Promise<ReadonlyMap<string, MeasuredView>>;

/** Stores new allocations of auto rates (by deployment name) for the next plan. */
export type Reallocate = (fps: ReadonlyMap<string, number>, reason: string) => Promise<void>;

/**
 * In a cluster: the leader proposes the new allocations to the document (a
 * re-plan follows); `proposed` hears the version the change will have, before
 * it commits (so that the plan made on it can say why).
 */
export const proposeAllocations =
  (view: Pick<ClusterView, 'propose'>, proposed?: (version: number, reason: string) => void): Reallocate =>
  async (fps, reason) => {
    await view.propose((head, next) => {
      if (!head) return null;
      const deployments = head.data.deployments.map((d) =>
        fps.has(d.name) && d.maxFps !== undefined ? { ...d, fps: fps.get(d.name)! } : d,
      );
      proposed?.(next, reason);
      return { data: { ...head.data, deployments, version: next } };
    });
  };

/** What fired, for the event stream: `load` (an auto rate's band), `slo` or `capacity`. */
export interface LoadTriggered {
  trigger: 'load' | 'slo' | 'capacity';
  /** The deployment (load, slo) or replica (capacity) it is about. */
  subject: string;
  reason: string;
}

export interface LoadWatchDeps {
  reallocate: Reallocate;
  measure: MeasureLoad;
  logger: Logger;
  now: () => number;
  everyMs?: number;
  trigger?: LoadTriggerConfig;
  capacity?: CapacityConfig;
  factors?: FactorConfig;
  /** Told of every trigger that fired (the appliance publishes a `plan` event `trigger`). */
  announce?: (t: LoadTriggered) => void;
}

/** Planned fps by replica name: the sum of the placements each replica serves. */
export function plannedByReplica(doc: Pick<ClusterDocument, 'plan' | 'deployments'>): Map<string, number> {
  return new Map([...plannedReplicas(doc)].map(([name, r]) => [name, r.fps]));
}

/** Each measured replica once (several deployments' views may show the same one) with its part of the plan. */
function replicaMeasures(view: ReadonlyMap<string, MeasuredView>, planned: ReadonlyMap<string, PlannedReplica>) {
  const out = new Map<string, CapacityMeasure>();
  for (const v of view.values()) {
    for (const r of v.replicas ?? []) {
      const p = planned.get(r.replica);
      if (p === undefined || out.has(r.replica)) continue;
      out.set(r.replica, {
        replica: r.replica,
        node: r.node,
        plannedFps: p.fps,
        servedFps: r.servedFps,
        busy: r.busy,
        slot: p.slot,
        ...(p.share !== undefined ? { share: p.share } : {}),
        spare: p.spare,
      });
    }
  }
  return [...out.values()];
}

export const LOAD_WATCH_EVERY_MS = 2000;

/** What the appliance sets of a load watch: the trigger's timings (config `placement.load`) and the announcer. */
export type LoadWatchTuning = Pick<LoadWatchDeps, 'trigger' | 'announce'>;

export class LoadWatch {
  private state = emptyLoadTriggerState();
  private capacity = emptyCapacityState();
  private factorState = emptyFactorState();
  private lastAt = -Infinity;
  private view: ReadonlyMap<string, MeasuredView> = new Map();

  constructor(private readonly deps: LoadWatchDeps) {}

  /** The cluster's merged measurements of each deployment, as of the last look. */
  measured(): ReadonlyMap<string, MeasuredView> {
    return this.view;
  }

  /** The measured capacity factors the leader plans with (none: every profile as measured). */
  factors(): CapacityFactors {
    return this.factorState.factors;
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
    const trigger = this.deps.trigger ?? DEFAULT_LOAD_TRIGGER;
    const r = loadDecisions(this.state, targets, loads, this.deps.now(), trigger);
    this.state = r.state;
    const replicas = replicaMeasures(this.view, plannedReplicas(doc, this.factors()));
    const capacity = this.deps.capacity ?? DEFAULT_CAPACITY;
    const c = capacityDecisions(this.capacity, replicas, this.deps.now(), trigger, capacity);
    this.capacity = c.state;
    // Derating applies to accelerators only (derate-profiles.ts): a CPU module's slot gets no factor.
    const f = factorDecisions(
      this.factorState,
      replicas.filter((m) => m.slot.accelerator !== 'cpu'),
      c.decisions,
      this.deps.now(),
      trigger,
      capacity.busy,
      this.deps.factors ?? DEFAULT_FACTORS,
    );
    this.factorState = f.state;
    const changes: FactorChange[] = f.changes;
    for (const x of changes) this.deps.logger.info({ ...x }, x.reason);
    // A factor raised or dropped is a reason of its own; one lowered goes with its capacity trigger.
    const raised = changes.filter((x) => x.to > x.from);
    if (!r.decisions.length && !c.decisions.length && !raised.length) return undefined;
    const fired: LoadTriggered[] = [
      ...r.decisions.map((d) => ({
        trigger: d.kind === 'slo' ? ('slo' as const) : ('load' as const),
        subject: d.deployment,
        reason: d.reason,
      })),
      ...c.decisions.map((d) => {
        const slot = replicas.find((m) => m.replica === d.replica)?.slot;
        const lowered = slot && changes.find((x) => x.to < x.from && sameSlot(x, slot));
        return {
          trigger: 'capacity' as const,
          subject: d.replica,
          reason: lowered ? `${d.reason}; ${lowered.reason}` : d.reason,
        };
      }),
      ...raised.map((x) => ({ trigger: 'capacity' as const, subject: slotName(x), reason: `capacity: ${x.reason}` })),
    ];
    for (const d of [...r.decisions, ...c.decisions]) this.deps.logger.info({ ...d }, d.reason);
    for (const f of fired) this.deps.announce?.(f);
    const fps = new Map(r.decisions.flatMap((d) => (d.fps !== undefined ? [[d.deployment, d.fps] as const] : [])));
    const reason = fired.map((f) => f.reason).join('; ');
    if (fps.size) await this.deps.reallocate(fps, reason);
    return reason;
  }
}

const sameSlot = (a: CapacitySlot, b: CapacitySlot) =>
  a.node === b.node && a.accelerator === b.accelerator && a.app === b.app && a.module === b.module;
const slotName = (s: CapacitySlot) => `${s.app}/${s.module} on ${s.node}/${s.accelerator}`;
