/**
 * The profiler as a service of the appliance: finds the profiles that are
 * due (missing, new digest, new accelerator model, stale, shared) over the
 * accelerator models of every live box, has each measured on a box that has
 * the model (this one, or another through the peer API: profile-run.ts,
 * remote-task.ts), one task at a time per box, and each result is stored in
 * the replicated document as it is measured. Runs on the node-cron schedule
 * (everything, forced), on request (POST /v1/profiles/refresh), and every
 * `checkIntervalMs` for what is missing; only the leader runs the queue.
 * A box runs the tasks the leader sends it (`acceptTask`). On start it
 * sweeps profiling containers a stopped or lost appliance left behind.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { ContainerEngine } from '../adapters/container-engine.js';
import type { Store } from '../adapters/store.js';
import { ValidationError } from '../domain/errors.js';
import { profileIdentity, upsertProfile, type ProfileTarget } from '../domain/profiling/profile-key.js';
import {
  clusterModels,
  freeAcceleratorOf,
  liveBoxes,
  type ProfilingSite,
} from '../domain/profiling/profile-dispatch.js';
import { dueProfiles, type ProfileTask } from '../domain/profiling/profile-tasks.js';
import type { NodeInventory, Plan, RegisteredApp, StoredProfile } from '../domain/types.js';
import { sleep } from '../sleep.js';
import type { Logger } from '../log.js';
import { FrameInputs, type ImageFileReader } from './frame-inputs.js';
import type { GpuSampler } from './gpu-sampler.js';
import { PortPool, type PortRange } from './port-pool.js';
import { profilerTuningSchema, type ProfilerTuning } from './profiler-options.js';
import { profileTarget } from './profile-target.js';
import { sweepProfilingReplicas } from './profiling-replicas.js';
import { runTasks, taskViews, type TaskOutcome, type TaskView } from './profile-run.js';
import { runRemote, type ProfileTaskMessage, type ProfilingCluster } from './remote-task.js';
import type { ProfilerStatus, RefreshOptions, RefreshReport } from './profiler-status.js';

export interface ProfilerDeps {
  engine: ContainerEngine;
  store: Pick<Store, 'read' | 'update'>;
  nodeId: string;
  inventory: { get(): Promise<NodeInventory> };
  logger: Logger;
  /** config.profiling: the node-cron expression and the switch. */
  schedule: string;
  enabled?: boolean;
  /** Replica ports (config.ports.range); profiling takes them from the top. */
  ports: PortRange;
  tuning?: Partial<ProfilerTuning>;
  /** Reads the sample input out of an image (ContainerEngine.readImageFile). */
  readImageFile?: ImageFileReader;
  gpu?: GpuSampler;
  /** Only the leader profiles; a one-box appliance is its own leader. */
  isLeader?: () => boolean;
  /** In a cluster: the other boxes, and the peer API to hand them tasks. */
  cluster?: ProfilingCluster;
  /** Called after each profile is stored (events, re-planning). */
  onProfiled?: (p: StoredProfile) => void;
  now?: () => number;
  host?: string;
}

export type { RefreshOptions, RefreshReport, ProfilerStatus } from './profiler-status.js';

/** Where a measurement runs on this box, as the leader chose it. */
interface LocalSite {
  acceleratorId?: string;
  shared?: boolean;
  task?: string;
}

export class ProfilerService {
  readonly tuning: ProfilerTuning;
  private readonly ports: PortPool;
  private readonly inputs: FrameInputs;
  private readonly now: () => number;
  private chain: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private current: string | undefined;
  private lastRun: ProfilerStatus['lastRun'];
  private tasks: TaskView[] = [];
  private stopper = new AbortController();
  private task: ScheduledTask | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private dispatched = 0;

  constructor(private readonly deps: ProfilerDeps) {
    if (!cron.validate(deps.schedule))
      throw new ValidationError(
        `config field profiling.schedule: "${deps.schedule}" is not a cron expression`,
        'profiling.schedule',
      );
    this.tuning = profilerTuningSchema.parse(deps.tuning ?? {});
    this.ports = new PortPool(deps.ports);
    this.inputs = new FrameInputs(deps.readImageFile, deps.logger);
    this.now = deps.now ?? Date.now;
  }

  /** The profiles due now, and why. */
  async due(opts: RefreshOptions = {}): Promise<ProfileTask[]> {
    const doc = this.deps.store.read();
    const boxes = await this.boxes();
    const plan = this.plan();
    const models = clusterModels(boxes);
    const apps = opts.apps ? doc.apps.filter((a) => opts.apps!.includes(a.name)) : doc.apps;
    const unknown = (opts.apps ?? []).filter((n) => !doc.apps.some((a) => a.name === n));
    if (unknown.length) throw new ValidationError(`no registered app named ${unknown.join(', ')}`, 'apps');
    const images = new Set(
      apps
        .flatMap((a) => a.manifest.modules.flatMap((m) => [m.image, ...(m.variants ?? []).map((v) => v.image)]))
        .filter((i): i is string => !!i && i !== 'self'),
    );
    const imageDigests: Record<string, string> = {};
    await Promise.all(
      [...images].map(async (i) => {
        try {
          imageDigests[i] = (await this.deps.engine.inspectImage(i)).digest;
        } catch {
          /* absent: the run says so */
        }
      }),
    );
    return dueProfiles({
      apps,
      profiles: doc.profiles,
      imageDigests,
      now: this.now(),
      models,
      freeModels: models.filter((m) => freeAcceleratorOf(m, boxes, plan)),
      ...(this.tuning.maxAgeMs > 0 ? { maxAgeMs: this.tuning.maxAgeMs } : {}),
      ...(opts.force ? { force: true } : {}),
    });
  }

  /** Measures what is due, one profile at a time, after any run in progress; resolves with what it did. */
  refresh(opts: RefreshOptions = {}): Promise<RefreshReport> {
    this.queued += 1;
    const run = this.chain
      .then(() => this.runDue(opts))
      .finally(() => {
        this.queued -= 1;
      });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Measures one target now (after any run in progress) and stores the result. */
  measure(target: ProfileTarget): Promise<StoredProfile> {
    this.queued += 1;
    const run = this.chain
      .then(async () => {
        const app = this.deps.store.read().apps.find((a) => a.name === target.app);
        if (!app) throw new ValidationError(`no registered app named ${target.app}`, 'app');
        return this.measureOne(app, target, await this.deps.inventory.get());
      })
      .finally(() => {
        this.queued -= 1;
      });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** For POST /v1/profiles/refresh: checks the request, starts the refresh, answers at once with what is due. */
  async requestRefresh(opts: RefreshOptions = {}): Promise<{ accepted: true; due: RefreshReport['due'] }> {
    const due = await this.due(opts);
    this.refresh(opts).catch((e: Error) => this.deps.logger.error({ err: e.message }, 'profile refresh failed'));
    return { accepted: true, due: due.map((t) => ({ profile: profileIdentity(t.target), why: t.why })) };
  }

  status(): ProfilerStatus {
    return {
      enabled: this.deps.enabled ?? true,
      schedule: this.deps.schedule,
      running: this.current !== undefined,
      ...(this.current ? { current: this.current } : {}),
      queued: this.queued,
      ...(this.lastRun ? { lastRun: this.lastRun } : {}),
      tasks: this.tasks,
    };
  }

  /**
   * POST /v1/peer/profile: the leader hands this box a task. Checked now (the app must be known here:
   * the document may lag a moment behind the leader's), measured after any run in progress; the result
   * reaches the leader through the replicated document.
   */
  async acceptTask(m: ProfileTaskMessage): Promise<void> {
    const app = await this.appNamed(m.target.app);
    if (!app) throw new ValidationError(`no registered app named ${m.target.app} on this box`, 'target.app');
    this.queued += 1;
    const site: LocalSite = {
      shared: m.shared,
      task: m.task,
      ...(m.acceleratorId ? { acceleratorId: m.acceleratorId } : {}),
    };
    const run = this.chain
      .then(async () => this.measureOne(app, m.target, await this.deps.inventory.get(), site))
      .finally(() => {
        this.queued -= 1;
      });
    this.chain = run.catch((e: Error) =>
      this.deps.logger.error({ err: e.message, task: m.task }, 'profiling task failed'),
    );
  }

  private async appNamed(name: string): Promise<RegisteredApp | undefined> {
    for (let i = 0; i < 20; i++) {
      const app = this.deps.store.read().apps.find((a) => a.name === name);
      if (app || this.stopper.signal.aborted) return app;
      await sleep(250, this.stopper.signal);
    }
    return undefined;
  }

  /** The live boxes: this one as it is now, and in a cluster every other live member with an inventory. */
  private async boxes(): Promise<NodeInventory[]> {
    return liveBoxes(await this.deps.inventory.get(), this.deps.cluster?.doc());
  }

  private plan(): Plan | undefined {
    return (this.deps.cluster?.doc() ?? this.deps.store.read()).plan;
  }

  /**
   * Sweeps leftovers, then profiles on the schedule and whenever something is
   * missing, until `signal` aborts (which also stops a run midway: its
   * replicas are removed and nothing is stored for it). Resolves once it has
   * stopped and the run in progress has cleaned up.
   */
  async start(signal: AbortSignal): Promise<void> {
    this.stopper = new AbortController();
    if (signal.aborted) return;
    const stopped = new Promise<void>((resolve) =>
      signal.addEventListener(
        'abort',
        () => {
          this.stopper.abort(signal.reason);
          void this.task?.destroy();
          clearInterval(this.checkTimer);
          resolve();
        },
        { once: true },
      ),
    );
    // In the queue, so no run can start before the sweep is done.
    const sweep = this.chain
      .then(() => sweepProfilingReplicas(this.deps.engine, this.deps.nodeId, this.deps.logger))
      .catch((e: Error) => this.deps.logger.warn({ err: e.message }, 'could not sweep leftover profiling replicas'));
    this.chain = sweep;
    await sweep;
    if (this.deps.enabled !== false && !signal.aborted) {
      const leading = (): boolean => (this.deps.isLeader?.() ?? true) && !signal.aborted;
      this.task = cron.schedule(
        this.deps.schedule,
        async () => {
          if (leading()) await this.refresh({ force: true }).catch(() => undefined);
        },
        { name: 'rim-profile-refresh', noOverlap: true },
      );
      const check = (): void => {
        if (leading() && this.queued === 0)
          void this.refresh().catch((e: Error) => this.deps.logger.error({ err: e.message }, 'profile check failed'));
      };
      this.checkTimer = setInterval(check, this.tuning.checkIntervalMs);
      this.checkTimer.unref();
      check();
    }
    await stopped;
    await this.chain.catch(() => undefined);
  }

  private async runDue(opts: RefreshOptions): Promise<RefreshReport> {
    const due = await this.due(opts);
    const report: RefreshReport = {
      due: due.map((t) => ({ profile: profileIdentity(t.target), why: t.why })),
      profiled: [],
    };
    if (due.length) this.deps.logger.info({ due: report.due }, 'profiles due');
    const self = await this.deps.inventory.get();
    const views = taskViews(due);
    if (due.length) this.tasks = views;
    await runTasks(due, views, {
      boxes: () => liveBoxes(self, this.deps.cluster?.doc()),
      plan: () => this.plan(),
      signal: this.stopper.signal,
      execute: async (site, task, signal) => {
        const out = await this.execute(site, task, self, signal);
        if ('profile' in out) {
          const p = out.profile;
          const { state, maxFps, latencyMs } = p;
          const reason = p.reason ? { reason: p.reason } : {};
          report.profiled.push({ profile: profileIdentity(p), state, maxFps, latencyMs, ...reason });
        }
        return out;
      },
    });
    const ended = views.filter((v) => v.state === 'unavailable' || v.state === 'failed');
    if (ended.length) {
      const tasks = ended.map((v) => ({ profile: v.profile, state: v.state, node: v.node, reason: v.reason }));
      this.deps.logger.warn({ tasks }, 'profiling tasks ended without an ok profile');
    }
    this.lastRun = { at: this.now(), report };
    return report;
  }

  /** One task on its site: here, or on another box through the peer API. */
  private async execute(
    site: ProfilingSite,
    task: ProfileTask,
    self: NodeInventory,
    signal: AbortSignal,
  ): Promise<TaskOutcome> {
    const app = this.deps.store.read().apps.find((a) => a.name === task.target.app);
    if (!app) return { failed: `app ${task.target.app} was removed` };
    const local = { shared: site.shared, ...(site.acceleratorId ? { acceleratorId: site.acceleratorId } : {}) };
    if (site.node === self.id || !this.deps.cluster) {
      try {
        return { profile: await this.measureOne(app, task.target, self, local) };
      } catch (e) {
        return { failed: signal.aborted ? 'profiling stopped' : (e as Error).message };
      }
    }
    const id = `${this.deps.nodeId}-${this.now()}-${++this.dispatched}`;
    const message: ProfileTaskMessage = { task: id, target: task.target, ...local };
    const wait = { timeoutMs: 2 * this.tuning.maxRunMs + this.tuning.healthTimeoutMs };
    this.deps.logger.info({ profile: profileIdentity(task.target), task: id, ...site }, 'profiling task sent');
    return runRemote(this.deps.cluster, site.node, message, wait, signal);
  }

  private async measureOne(
    app: RegisteredApp,
    target: ProfileTarget,
    inventory: NodeInventory,
    site: LocalSite = {},
  ): Promise<StoredProfile> {
    this.current = profileIdentity(target);
    try {
      const measured = await profileTarget(
        app,
        target,
        {
          engine: this.deps.engine,
          nodeId: this.deps.nodeId,
          inventory,
          ports: this.ports,
          inputs: this.inputs,
          tuning: this.tuning,
          logger: this.deps.logger,
          now: this.now,
          ...(this.deps.gpu ? { gpu: this.deps.gpu } : {}),
          ...(this.deps.host ? { host: this.deps.host } : {}),
          ...(site.acceleratorId ? { acceleratorId: site.acceleratorId } : {}),
        },
        this.stopper.signal,
      );
      const p: StoredProfile = {
        ...measured,
        node: this.deps.nodeId,
        ...(site.shared ? { shared: true } : {}),
        ...(site.task ? { detail: { ...measured.detail, task: site.task } } : {}),
      };
      await this.deps.store.update((doc) => {
        doc.profiles = upsertProfile(doc.profiles, p);
      });
      this.deps.onProfiled?.(p);
      return p;
    } finally {
      this.current = undefined;
    }
  }
}
