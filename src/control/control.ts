/**
 * What a change through the API does: register or remove an app, add or
 * remove a deployment, then re-plan and hand this node's assignment to the
 * supervisor. Changes are applied one at a time.
 *
 * The store and the planner are injected: a box on its own passes its lowdb
 * store and the one-box planner; a cluster member passes the cluster-backed
 * store (changes go through the leader) and the member planner. The HTTP API
 * calls the control; the control knows nothing of HTTP.
 */
import type { ContainerEngine } from '../adapters/container-engine.js';
import type { Store } from '../adapters/store.js';
import type { Inventory } from '../adapters/inventory.js';
import { ConflictError, GoneAfterUnclearAttemptError, NotFoundError, ValidationError } from '../domain/errors.js';
import { parseManifest } from '../domain/manifest.js';
import { planCovers } from '../domain/planning/plan-keys.js';
import type { Planner } from '../domain/planning/planner.js';
import type { Assignment, ClusterDocument, Plan, RegisteredApp, StoredDeployment } from '../domain/types.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../log.js';
import { sleep } from '../sleep.js';
import type { DeploymentRequest } from './requests.js';

export interface ControlDeps {
  store: Store;
  engine: Pick<ContainerEngine, 'inspectImage'>;
  inventory: Inventory;
  supervisor: { setAssignment(a: Assignment): void };
  planner: Planner;
  events: EventBus;
  logger: Logger;
  now: () => number;
  /**
   * Where the leader plans (a cluster member's planner has no `plan`): how
   * long a change waits for the leader's plan that covers it, so that its
   * answer says placed or rejected. Default 5000 ms, polled every 50 ms.
   */
  leaderPlanWait?: { timeoutMs: number; pollMs: number };
}

const LEADER_PLAN_WAIT = { timeoutMs: 5000, pollMs: 50 };

export class Control {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ControlDeps) {}

  /**
   * Reads the image's manifest label and registers (or re-registers) the app.
   * Nothing starts when the manifest is refused.
   */
  addApp(image: string): Promise<{ app: RegisteredApp; created: boolean }> {
    return this.serialise(async () => {
      const info = await this.deps.engine.inspectImage(image);
      if (!info.manifestLabel) throw new ValidationError(`image ${image} has no rim.manifest label`, 'rim.manifest');
      const manifest = parseManifest(info.manifestLabel);
      let created = false;
      let app!: RegisteredApp;
      let unchanged = false;
      await this.deps.store.update((doc) => {
        const existing = doc.apps.find((a) => a.name === manifest.name);
        if (existing && existing.image !== image) {
          throw new ConflictError(
            `app "${manifest.name}" is already registered from image ${existing.image}; ` +
              `remove it first to register it from ${image}`,
          );
        }
        unchanged = !!existing && existing.digest === info.digest;
        app = unchanged
          ? existing!
          : { name: manifest.name, image, digest: info.digest, manifest, registeredAt: this.deps.now() };
        created = !existing;
        doc.apps = [...doc.apps.filter((a) => a.name !== app.name), app];
      });
      if (!unchanged) {
        this.deps.logger.info(
          { app: app.name, image, digest: app.digest },
          created ? 'app registered' : 'app re-registered with a new image digest',
        );
        this.deps.events.publish('app', created ? 'registered' : 're-registered', {
          name: app.name,
          image,
          digest: app.digest,
        });
        await this.afterChange();
      }
      return { app, created };
    });
  }

  removeApp(name: string): Promise<RegisteredApp> {
    return this.serialise(async () => {
      let removed!: RegisteredApp;
      await this.deps.store.update((doc) => {
        const app = doc.apps.find((a) => a.name === name);
        if (!app) throw new NotFoundError(`app "${name}" is not registered`);
        const users = doc.deployments.filter((d) => d.app === name).map((d) => d.name);
        if (users.length)
          throw new ConflictError(`app "${name}" is used by deployments ${users.join(', ')}; undeploy them first`);
        removed = app;
        doc.apps = doc.apps.filter((a) => a.name !== name);
      });
      this.deps.logger.info({ app: name }, 'app removed');
      this.deps.events.publish('app', 'removed', { name });
      await this.afterChange();
      return removed;
    });
  }

  addDeployment(req: DeploymentRequest): Promise<{ deployment: StoredDeployment; created: boolean }> {
    return this.serialise(async () => {
      let deployment!: StoredDeployment;
      let created = true;
      await this.deps.store.update((doc) => {
        const app = doc.apps.find((a) => a.name === req.app);
        if (!app) throw new NotFoundError(`app "${req.app}" is not registered (rim apps add IMAGE first)`);
        const auto = req.fps === 'auto' ? req.maxFps : undefined;
        // An auto rate starts at its most (the plan holds what may arrive) until the router has measured it.
        const fps = auto ?? (req.fps === 'auto' ? undefined : req.fps) ?? app.manifest.defaults?.fps;
        const latencyMs = req.latencyMs ?? app.manifest.defaults?.latencyMs;
        if (fps === undefined)
          throw new ValidationError(`deployment field fps: required (app "${app.name}" has no default fps)`, 'fps');
        if (latencyMs === undefined)
          throw new ValidationError(
            `deployment field latencyMs: required (app "${app.name}" has no default latencyMs)`,
            'latencyMs',
          );
        const wanted = {
          name: req.name,
          app: req.app,
          fps,
          latencyMs,
          priority: req.priority ?? 0,
          ...(auto !== undefined ? { maxFps: auto } : {}),
        };
        const existing = doc.deployments.find((d) => d.name === req.name);
        if (existing) {
          const same =
            existing.app === wanted.app &&
            existing.maxFps === wanted.maxFps &&
            (auto !== undefined || existing.fps === wanted.fps) &&
            existing.latencyMs === wanted.latencyMs &&
            existing.priority === wanted.priority;
          if (!same) throw new ConflictError(`deployment "${req.name}" exists with other settings; undeploy it first`);
          deployment = existing;
          created = false;
          return;
        }
        deployment = { ...wanted, createdAt: this.deps.now() };
        doc.deployments = [...doc.deployments, deployment];
      });
      if (created) {
        this.deps.logger.info(
          { deployment: deployment.name, app: deployment.app, fps: deployment.fps, latencyMs: deployment.latencyMs },
          'deployment added',
        );
        this.deps.events.publish('deployment', 'created', deployment);
        await this.afterChange();
      }
      return { deployment, created };
    });
  }

  removeDeployment(name: string): Promise<StoredDeployment> {
    return this.serialise(async () => {
      let removed: StoredDeployment | undefined;
      try {
        await this.deps.store.update((doc) => {
          const d = doc.deployments.find((x) => x.name === name);
          if (!d) throw new NotFoundError(`deployment "${name}" does not exist`);
          removed = d;
          doc.deployments = doc.deployments.filter((x) => x.name !== name);
        });
      } catch (e) {
        // Our own earlier attempt (answer lost) removed it: the undeploy succeeded.
        if (!(e instanceof GoneAfterUnclearAttemptError && removed)) throw e;
      }
      if (!removed) throw new NotFoundError(`deployment "${name}" does not exist`);
      this.deps.logger.info({ deployment: name }, 'deployment removed');
      this.deps.events.publish('deployment', 'removed', { name });
      await this.afterChange();
      return removed;
    });
  }

  /**
   * Re-plans from the stored document and hands the assignment over (also
   * used at start). On a cluster member the leader plans: this only takes
   * this node's share of the committed plan.
   */
  replan(): Promise<Plan | undefined> {
    return this.serialise(() => this.replanLocked(false));
  }

  /** A box alone: new allocations of auto rates (measured load), stored, then planned with their reason. */
  reallocate(fps: ReadonlyMap<string, number>, reason: string): Promise<Plan | undefined> {
    return this.serialise(async () => {
      await this.deps.store.update((doc) => {
        doc.deployments = doc.deployments.map((d) =>
          fps.has(d.name) && d.maxFps !== undefined ? { ...d, fps: fps.get(d.name)! } : d,
        );
      });
      return this.replanLocked(false, reason);
    });
  }

  /**
   * After a stored change: plan it (or wait for the leader's plan). The change
   * is stored whatever happens here, so a failure to plan is logged, not
   * answered as a failed change; the previous plan stays in force.
   */
  private async afterChange(): Promise<void> {
    try {
      await this.replanLocked(true);
    } catch (e) {
      this.deps.logger.error({ err: e }, 'planning after a stored change failed; the previous plan stays in force');
    }
  }

  /** The committed document once the leader's plan covers its deployments, or the newest one at the time limit. */
  private async leaderPlan(): Promise<ClusterDocument> {
    const { timeoutMs, pollMs } = this.deps.leaderPlanWait ?? LEADER_PLAN_WAIT;
    for (let waited = 0; !planCovers(this.deps.store.read()) && waited < timeoutMs; waited += pollMs) {
      await sleep(pollMs);
    }
    return this.deps.store.read();
  }

  private async replanLocked(waitForLeader: boolean, reason?: string): Promise<Plan | undefined> {
    const node = await this.deps.inventory.get();
    const { planner } = this.deps;
    let plan: Plan | undefined;
    let doc: ClusterDocument;
    if (planner.plan) {
      const planHere = planner.plan;
      doc = await this.deps.store.update((d) => {
        plan = { ...planHere(node, d), ...(reason ? { reason } : {}) };
        d.plan = plan;
      });
    } else {
      doc = waitForLeader ? await this.leaderPlan() : this.deps.store.read();
      plan = doc.plan;
      if (!plan) return undefined;
    }
    const previous = (this.deps.store.local().ports ?? {}) as Record<string, number>;
    const { assignment, ports } = planner.assignment(node, doc, previous);
    await this.deps.store.updateLocal((l) => {
      l.ports = ports;
    });
    this.deps.supervisor.setAssignment(assignment);
    const p = plan!;
    this.deps.logger.info(
      {
        placements: p.placements.length,
        rejected: p.rejected.length,
        replicas: assignment.replicas.length,
        version: assignment.version,
      },
      'plan updated',
    );
    this.deps.events.publish('plan', 'updated', {
      placements: p.placements.length,
      rejected: p.rejected,
      version: doc.version,
      ...(p.reason ? { reason: p.reason } : {}),
    });
    return p;
  }

  private serialise<T>(op: () => Promise<T>): Promise<T> {
    const run = this.chain.then(op, op);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
