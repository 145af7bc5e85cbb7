/**
 * One frame through one deployment: admission at the admitted rate, then the
 * DAG module by module (a module's output is the next one's request), each
 * call to one replica of the module picked by smooth weighted round-robin
 * over the planned fps shares (each call counted in the replica's load:
 * served rate, busy time), and the sinks' output back. A replica that
 * refuses the connection or answers 5xx is replaced by another of the same
 * module once, if the deadline leaves time. Outcomes and latencies go to
 * RouterStats; nothing is logged or published per frame.
 */
import { NotFoundError, TooManyRequestsError } from '../domain/errors.js';
import { answerOf, inputOf, type ChainPlan, type Payload } from '../domain/routing/chain-plan.js';
import type { DeploymentStats, FrameOutcome } from '../domain/routing/deployment-stats.js';
import type { DeploymentRoute, ModuleTargets } from '../domain/routing/replica-directory.js';
import { TokenBucket } from '../domain/routing/token-bucket.js';
import { SmoothWeightedRoundRobin } from '../domain/routing/weighted-round-robin.js';
import type { LiveReplicaDirectory } from './live-directory.js';
import {
  DeadlineMissedError,
  DeploymentRejectedError,
  DeploymentUnplacedError,
  ModuleRefusedError,
  NoReplicaError,
} from './router-errors.js';
import type { RouterStats } from './router-stats.js';
import { UpstreamError, type FrameHeaders, type UpstreamClient } from './upstream-client.js';

export interface FrameRouterDeps {
  directory: Pick<LiveReplicaDirectory, 'route' | 'invalidate' | 'routeAfterFirstAnswers' | 'refreshAhead'>;
  client: Pick<UpstreamClient, 'infer'>;
  /** This box's share of a deployment's cluster-wide rate; without it, the deployment's full fps. */
  admission?: { rateOf(name: string, fps: number, now: number): number };
  /** A replica's address refused or could not be reached: it leaves rotation until its /healthz answers. */
  lost?: (host: string, port: number) => void;
  stats: RouterStats;
  now: () => number;
  /** Prefix of generated frame ids (the node id). */
  idPrefix: string;
}

interface Balancer {
  key: string;
  rr: SmoothWeightedRoundRobin;
}
interface DeploymentState {
  bucket: TokenBucket;
  balancers: (Balancer | undefined)[];
}

export interface FrameAnswer extends Payload {
  frameId: string;
}

/** A frame that passed admission; its bytes may now be read. */
export interface AdmittedFrame {
  readonly name: string;
  readonly arrival: number;
}
interface Ticket extends AdmittedFrame {
  routable: Extract<DeploymentRoute, { kind: 'routable' }>;
  st: DeploymentState;
  stats: DeploymentStats;
}

export class FrameRouter {
  private readonly state = new Map<string, DeploymentState>();
  private seq = 0;

  constructor(private readonly deps: FrameRouterDeps) {}

  /** Routes one frame; throws a RimError (404/409/429/503/422) when it cannot be answered. */
  async route(name: string, frame: Payload, arrival: number, clientFrameId?: string): Promise<FrameAnswer> {
    return this.send(this.admit(name, arrival), frame, clientFrameId);
  }

  /**
   * The cheap half of a frame, before its bytes are read: the deployment's
   * route and its admission at the admitted rate. Throws 404/409/503/429.
   */
  admit(name: string, arrival: number): AdmittedFrame {
    const route = this.deps.directory.route(name, arrival);
    if (route.kind === 'rejected') {
      // Still an arrival (refused, as over an admitted rate of 0): the leader's load trigger sees what comes,
      // so an "auto" rate rejected at its maximum is brought down to what arrives and may then fit.
      const stats = this.deps.stats.for(name);
      stats.arrived(arrival);
      stats.ended(arrival, 'rate-limited', 0);
    }
    const routable = this.routable(name, route);
    const d = routable.deployment;
    const stats = this.deps.stats.for(name);
    stats.arrived(arrival);
    const st = this.stateFor(name, this.deps.admission?.rateOf(name, d.fps, arrival) ?? d.fps, arrival);
    const admission = st.bucket.take(arrival);
    if (!admission.ok) {
      stats.ended(arrival, 'rate-limited', 0);
      const retry = Math.max(1, Math.ceil(admission.retryAfterMs / 1000));
      const msg = `deployment "${name}" is admitted at ${d.fps} fps cluster-wide: frame refused, retry in ${retry} s`;
      throw new TooManyRequestsError(msg, retry);
    }
    const ticket: Ticket = { name, arrival, routable, st, stats };
    return ticket;
  }

  /** The rest of an admitted frame: the chain through the modules. */
  async send(ticket: AdmittedFrame, frame: Payload, clientFrameId?: string): Promise<FrameAnswer> {
    const { name, arrival, routable, st, stats } = ticket as Ticket;
    const d = routable.deployment;
    const h: FrameHeaders = {
      deployment: name,
      frameId: clientFrameId ?? `${this.deps.idPrefix}-${++this.seq}`,
      deadline: arrival + d.latencyMs,
    };
    let outcome: FrameOutcome = 'unavailable';
    try {
      let modules = routable.modules;
      // First contact with a member that hosts some of the modules (its replica list is on its way),
      // or replicas awaiting their first health probe.
      if (lacksReplicas(modules)) {
        const again = await this.deps.directory.routeAfterFirstAnswers(name, h.deadline, this.deps.now);
        if (again?.kind === 'routable') modules = again.modules;
      }
      const answer = await this.chain(routable.plan, modules, st, frame, h);
      outcome = 'ok';
      return { body: answer.body, contentType: answer.contentType, frameId: h.frameId };
    } catch (e) {
      outcome =
        e instanceof DeadlineMissedError
          ? 'deadline-missed'
          : e instanceof ModuleRefusedError
            ? 'refused'
            : 'unavailable';
      throw e;
    } finally {
      const end = this.deps.now();
      stats.ended(end, outcome, end - arrival);
      // The snapshot's periodic rebuild runs after this answer is written, not in the next frame's admission.
      this.deps.directory.refreshAhead(this.deps.now);
    }
  }

  /** An admitted frame whose bytes never arrived whole (too large, upload cut): counted as refused. */
  abandon(ticket: AdmittedFrame): void {
    const end = this.deps.now();
    this.deps.stats.for(ticket.name).ended(end, 'refused', end - ticket.arrival);
  }

  /** Forgets the rate and balancing state of deployments no longer present. */
  retain(names: ReadonlySet<string>): void {
    for (const n of this.state.keys()) if (!names.has(n)) this.state.delete(n);
  }

  private routable(name: string, route: DeploymentRoute): Extract<DeploymentRoute, { kind: 'routable' }> {
    switch (route.kind) {
      case 'routable':
        return route;
      case 'unknown':
        throw new NotFoundError(`deployment "${name}" does not exist`);
      case 'rejected':
        throw new DeploymentRejectedError(`deployment "${name}" is rejected by the plan: ${route.reason}`);
      case 'unplaced':
        throw new DeploymentUnplacedError(route.reason);
    }
  }

  private stateFor(name: string, rate: number, now: number): DeploymentState {
    let st = this.state.get(name);
    if (!st) {
      // A box's share can be near one frame per arrival gap: a burst of 1 would drop the tokens earned
      // while a full bucket waits for the next frame (up to a quarter of the share at 2x demand); 2 does not.
      st = { bucket: TokenBucket.forFps(rate, this.deps.admission ? 2 : 1), balancers: [] };
      this.state.set(name, st);
    } else if (st.bucket.ratePerS !== rate) {
      st.bucket.retune(rate, now);
    }
    return st;
  }

  private chain(
    plan: ChainPlan,
    modules: readonly ModuleTargets[],
    st: DeploymentState,
    frame: Payload,
    h: FrameHeaders,
  ): Promise<Payload> {
    // One module (the common app): its output is the answer; no outputs array, no merge.
    if (plan.steps.length === 1 && plan.sinks.length === 1 && plan.steps[0]!.inputs.length === 0)
      return this.call(modules[0]!, this.balancer(st, 0, modules[0]!), frame, h);
    return this.chainAll(plan, modules, st, frame, h);
  }

  private async chainAll(
    plan: ChainPlan,
    modules: readonly ModuleTargets[],
    st: DeploymentState,
    frame: Payload,
    h: FrameHeaders,
  ): Promise<Payload> {
    const outputs: (Payload | undefined)[] = new Array(plan.steps.length);
    if (plan.linear) {
      let input = frame;
      for (let i = 0; i < plan.steps.length; i++) {
        input = await this.call(modules[i]!, this.balancer(st, i, modules[i]!), input, h);
        outputs[i] = input;
      }
    } else {
      // Each module starts as soon as all its inputs are there; branches run side by side.
      const done: Promise<void>[] = new Array(plan.steps.length);
      for (const step of plan.steps) {
        const i = step.index;
        done[i] = Promise.all(step.inputs.map((j) => done[j])).then(async () => {
          outputs[i] = await this.call(
            modules[i]!,
            this.balancer(st, i, modules[i]!),
            inputOf(plan, step, frame, outputs),
            h,
          );
        });
      }
      await Promise.all(done);
    }
    return answerOf(plan, outputs);
  }

  private balancer(st: DeploymentState, i: number, t: ModuleTargets): SmoothWeightedRoundRobin {
    const b = st.balancers[i];
    if (b && b.key === t.key) return b.rr;
    const rr = new SmoothWeightedRoundRobin(t.endpoints.map((e) => e.weight));
    st.balancers[i] = { key: t.key, rr };
    return rr;
  }

  private async call(
    t: ModuleTargets,
    rr: SmoothWeightedRoundRobin,
    input: Payload,
    h: FrameHeaders,
  ): Promise<Payload> {
    const first = rr.pick();
    if (first < 0)
      throw new NoReplicaError(
        `no replica of module ${t.module} can take frames of "${h.deployment}": ` +
          (t.missing.join('; ') || 'none planned'),
      );
    let failure: UpstreamError | undefined;
    for (let attempt = 0, i = first; attempt < 2; attempt++) {
      const left = h.deadline - this.deps.now();
      if (left <= 0)
        throw new DeadlineMissedError(
          `frame ${h.frameId} of "${h.deployment}" missed its deadline before module ${t.module}` +
            (failure ? ` (${failure.message})` : ''),
        );
      const ep = t.endpoints[i]!;
      const load = this.deps.stats.replica(h.deployment, ep.replica, ep.node, t.module);
      load.started(this.deps.now());
      let answered = false;
      try {
        const out = await this.deps.client.infer(ep, input, h, left);
        answered = true;
        return out;
      } catch (e) {
        if (!(e instanceof UpstreamError)) throw e;
        failure = e;
        if (e.kind === 'timeout')
          throw new DeadlineMissedError(
            `frame ${h.frameId} of "${h.deployment}" missed its deadline in module ${t.module}: ${e.message}`,
          );
        if (e.kind === 'status' && e.status! < 500)
          throw new ModuleRefusedError(`module ${t.module} refused frame ${h.frameId}: ${e.message}`);
        if (e.kind === 'connect' && e.lost) this.deps.lost?.(ep.host, ep.port);
        this.deps.directory.invalidate();
        // Another replica of the module if there is one, else the same one once more.
        const other = rr.pick(i);
        if (other >= 0) i = other;
      } finally {
        load.ended(this.deps.now(), answered);
      }
    }
    throw new NoReplicaError(
      `no replica of module ${t.module} took frame ${h.frameId} of "${h.deployment}": ${failure!.message}`,
    );
  }
}

function lacksReplicas(modules: readonly ModuleTargets[]): boolean {
  for (let i = 0; i < modules.length; i++) if (modules[i]!.endpoints.length === 0) return true;
  return false;
}
