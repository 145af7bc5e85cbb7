/**
 * What only the leader does: admit joining nodes, declare members suspect
 * or dead from their silence, drop members past memberExpiry, refresh a
 * member's inventory when it reports another (a box restarted with other
 * accelerators), and re-plan whenever the plan's inputs change (apps,
 * deployments, profiles, the set of live nodes), passing the previous plan
 * so that nothing else moves. It is the only planner in the cluster. It
 * never plans on an inventory it knows to be stale: a plan made on it could
 * tear running replicas down. A plan lost to a newer document is planned
 * again on the next tick, never counted as done. Each node then runs its
 * share of the committed plan (assignment-follower). With `measure` it
 * also watches measured load (load-watch.ts) and re-plans on it. Each plan
 * it proposes says why (`plan.reason`). It plans with the measured capacity
 * factors the load watch holds (derate-profiles.ts): a slow accelerator is
 * given less. They live in the leader's memory only; a new leader learns
 * them again from measurements.
 */
import {
  expiredMembers,
  type FailureDetectorConfig,
  memberTransitions,
} from '../domain/membership/failure-detector.js';
import {
  aliveMembers,
  isCurrentMember,
  staleInventories,
  votersOf,
  withMember,
  withoutMember,
  withReportedInventories,
  withTransitions,
} from '../domain/membership/member-changes.js';
import { ForbiddenError, RetryLaterError, UnavailableError } from '../domain/errors.js';
import { planInputParts, planInputReason, planKey } from '../domain/planning/plan-keys.js';
import type { ClusterPlanner } from '../domain/planning/planner.js';
import { factorsInput } from '../domain/planning/capacity-factors.js';
import { derated } from '../domain/planning/derate-profiles.js';
import { unmeasured, withLink } from '../domain/membership/links.js';
import type { NetworkSpec, NodeInventory, Plan } from '../domain/types.js';
import { parseBody } from '../http/parse-body.js';
import type { Logger } from '../log.js';
import type { ClusterTimings } from './cluster-timings.js';
import type { ClusterView } from './cluster-view.js';
import { LoadWatch, proposeAllocations, type LoadWatchTuning, type MeasureLoad } from './load-watch.js';
import { joinSchema, type JoinRequest } from './peer-messages.js';
import type { PeerReply } from './peer-server.js';

export interface LeaderWorkDeps {
  nodeId: string;
  view: ClusterView;
  detector: FailureDetectorConfig;
  /** Without one the leader keeps whatever plan the document has. */
  planner?: ClusterPlanner;
  timings: Pick<ClusterTimings, 'leaderTickMs'>;
  /**
   * What each member reports as its inventory now, as far as this node has
   * heard (its own, and each peer's last fresh hello), by member id.
   */
  reportedInventories?: () => Promise<ReadonlyMap<string, NodeInventory>>;
  /** Measures the link to a member (link-probe.ts); without it links are configured or the default. */
  measureLink?: (id: string, address: string) => Promise<NetworkSpec>;
  /** The cluster's merged measurements per deployment; without it load never re-plans. */
  measure?: MeasureLoad;
  /** The load trigger's timings and who hears of what fired. */
  loadTuning?: LoadWatchTuning;
  logger: Logger;
  now: () => number;
}

export class LeaderWork {
  private plannedKey = '';
  private plannedParts: string[] | undefined;
  /**
   * Why to plan next, from measured load, for plans made on documents from
   * version `from` on (a re-allocation's own version: a plan made on an older
   * document does not carry it); cleared once such a plan is made.
   */
  private loadReason: { reason: string; from: number } | undefined;
  /** The reason the last re-allocation proposed with (it set loadReason itself). */
  private reallocatedFor: string | undefined;
  readonly load: LoadWatch | undefined;
  private busy = false;
  private loadBusy = false;
  /** Members whose link is being measured now, and when each last failed (tried again after a minute). */
  private readonly measuring = new Set<string>();
  private readonly measureFailedAt = new Map<string, number>();
  private readonly view: ClusterView;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(private readonly deps: LeaderWorkDeps) {
    this.view = deps.view;
    this.log = deps.logger;
    this.now = deps.now;
    this.view.onRole((role) => {
      if (role === 'leader') {
        this.plannedKey = '';
        this.plannedParts = undefined;
      }
    });
    if (deps.measure)
      this.load = new LoadWatch({
        reallocate: proposeAllocations(this.view, (from, reason) => {
          this.loadReason = { reason, from };
          this.reallocatedFor = reason;
          this.plannedKey = '';
        }),
        measure: deps.measure,
        logger: this.log,
        now: this.now,
        ...deps.loadTuning,
      });
  }

  start(signal: AbortSignal): void {
    if (signal.aborted) return;
    const timer = setInterval(() => {
      if (this.busy || signal.aborted || !this.view.isLeader()) return;
      this.busy = true;
      this.round()
        .catch((e) => this.log.warn({ err: e }, 'leader round failed'))
        .finally(() => {
          this.busy = false;
        });
    }, this.deps.timings.leaderTickMs);
    signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  }

  private async round(): Promise<void> {
    const s = this.view.snapshot();
    const heard = (id: string) => s.ackAt[id];
    const self = this.deps.nodeId;
    const detector = this.deps.detector;
    await this.view.propose((head, next) => {
      if (!head) return null;
      const t = memberTransitions(head.data.members, self, heard, s.becameLeaderAt, this.now(), detector);
      if (!t.length) return null;
      for (const x of t) {
        const level = x.to === 'alive' ? 'info' : 'warn';
        this.log[level]({ member: x.id, from: x.from, to: x.to }, `member ${x.id} is ${x.to}`);
      }
      return { data: { ...withTransitions(head.data, t, heard, this.now()), version: next } };
    });
    await this.view.propose((head, next) => {
      const gone = head ? expiredMembers(head.data.members, this.now(), detector)[0] : undefined;
      if (!head || !gone || gone === self) return null;
      this.log.warn({ member: gone }, 'member expired: removed from the cluster');
      const data = withoutMember(head.data, gone);
      return { data: { ...data, version: next }, voters: votersOf(data) };
    });
    const reported = (await this.deps.reportedInventories?.()) ?? new Map<string, NodeInventory>();
    await this.view.propose((head, next) => {
      const stale = head ? staleInventories(head.data, reported) : [];
      if (!head || !stale.length) return null;
      this.log.info({ members: stale }, 'member inventory refreshed: the box reports other hardware');
      return { data: { ...withReportedInventories(head.data, reported), version: next } };
    });
    this.watchLoad();
    this.measureLinks();
    if (this.deps.planner) await this.replan(this.deps.planner, reported);
  }

  /**
   * Beside the round: the link to each alive member not measured yet (a box that joined 5 s ago or more)
   * or measured over 10 minutes ago, one probe per member at a time, written into its member entry. A
   * failed measurement is tried again after a minute; until then the member's links are configured,
   * measured before, or the default.
   */
  private measureLinks(): void {
    const measure = this.deps.measureLink;
    const doc = this.view.newestDoc();
    if (!measure || !doc) return;
    const now = this.now();
    for (const m of unmeasured(doc.members, this.deps.nodeId, now)) {
      if (this.measuring.has(m.id) || now - (this.measureFailedAt.get(m.id) ?? -Infinity) < 60_000) continue;
      this.measuring.add(m.id);
      measure(m.id, m.address)
        .then((l) => {
          const link = { ...l, by: this.deps.nodeId, at: this.now() };
          this.log.info({ member: m.id, ...l }, 'link measured');
          return this.view.propose((head, next) => {
            if (!head || !this.view.isLeader() || !head.data.members.some((x) => x.id === m.id)) return null;
            return { data: { ...head.data, members: withLink(head.data.members, m.id, link), version: next } };
          });
        })
        .catch((e) => {
          this.measureFailedAt.set(m.id, this.now());
          this.log.warn(
            { member: m.id, err: (e as Error).message },
            'link not measured: configured or default figures',
          );
        })
        .finally(() => this.measuring.delete(m.id));
    }
  }

  /** Measured load, beside the round (reading the peers may take a while): a reason to plan on a later tick. */
  private watchLoad(): void {
    const doc = this.view.newestDoc();
    if (!this.load || !doc || this.loadBusy) return;
    this.loadBusy = true;
    this.load
      .tick(doc)
      .then((why) => {
        if (!why) return;
        // A re-allocation has set it already (from its own version); an SLO or capacity trigger holds from now.
        if (this.reallocatedFor !== why) this.loadReason = { reason: why, from: doc.version };
        this.reallocatedFor = undefined;
        // An SLO violation changes no input: forget the last key so that the planner runs again.
        this.plannedKey = '';
      })
      .catch((e) => this.log.warn({ err: e }, 'load watch failed'))
      .finally(() => {
        this.loadBusy = false;
      });
  }

  private async replan(planner: ClusterPlanner, reported: ReadonlyMap<string, NodeInventory>): Promise<void> {
    const doc = this.view.newestDoc();
    if (!doc) return;
    const stale = staleInventories(doc, reported);
    if (stale.length) {
      this.log.debug({ members: stale }, 'not planning: inventories in the document are stale until refreshed');
      return;
    }
    const nodes = aliveMembers(doc).flatMap((m) => (m.inventory ? [m.inventory] : []));
    const parts = planInputParts(doc, nodes);
    // Measured capacity factors (load-watch.ts) are an input too: the planner sees derated profiles.
    const factors = this.load?.factors() ?? new Map();
    const key = JSON.stringify([parts, factorsInput(factors)]);
    if (key === this.plannedKey) return;
    const started = this.now();
    const load = this.loadReason && doc.version >= this.loadReason.from ? this.loadReason.reason : undefined;
    const reason = load ?? planInputReason(this.plannedParts, parts);
    let plan: Plan;
    try {
      const input = derated(nodes, doc.profiles, factors);
      plan = { ...planner({ ...doc, profiles: input.profiles }, input.nodes, doc.plan), reason };
    } catch (e) {
      // The planner is pure: the same inputs would fail the same way, so say it once and wait for new inputs.
      this.plannedKey = key;
      this.log.error({ err: e }, 'planning failed; the committed plan stays in force until the inputs change');
      return;
    }
    let outcome: 'proposed' | 'same' | 'conflict' = 'conflict';
    await this.view.propose((head, next) => {
      if (!head || head.data.version !== doc.version) {
        outcome = 'conflict';
        return null;
      }
      if (planKey(plan) === planKey(head.data.plan)) {
        outcome = 'same';
        return null;
      }
      outcome = 'proposed';
      return { data: { ...head.data, plan, version: next } };
    });
    // A plan made on a document that has since changed is not done: the next tick plans on the new one.
    if (outcome === 'conflict') return;
    this.plannedKey = key;
    this.plannedParts = parts;
    if (load) this.loadReason = undefined;
    if (outcome === 'same') {
      if (/^(load|capacity):/.test(reason)) this.log.info({ reason }, 're-planned on load: the plan stays as it is');
      return;
    }
    this.log.info(
      {
        placements: plan.placements.length,
        rejected: plan.rejected.length,
        nodes: nodes.map((n) => n.id),
        moves: plan.moves,
        reason,
        ms: this.now() - started,
      },
      'plan updated',
    );
  }

  /** POST /v1/peer/join: the leader makes the caller a member (one membership change at a time). */
  async onJoin(body: unknown, from: string, remoteIp: string): Promise<PeerReply> {
    const req = parseBody(joinSchema, body, 'join request') as JoinRequest;
    if (req.id !== from) throw new ForbiddenError('a node joins only as itself');
    if (!this.view.isLeader()) {
      // Not an error: the answer tells the caller where the leader is.
      const leader = this.view.snapshot().leader;
      return { status: 409, body: { leader, leaderAddress: leader ? this.view.addressOf(leader) : undefined } };
    }
    const port = req.address.split(':').pop();
    const join = { id: req.id, address: `${remoteIp}:${port}`, inventory: req.inventory };
    try {
      await this.view.propose((head, next) => {
        if (!head || isCurrentMember(head.data, join)) return null;
        const data = withMember(head.data, join, this.now());
        return { data: { ...data, version: next }, voters: votersOf(data) };
      });
    } catch (e) {
      if (e instanceof UnavailableError) throw new RetryLaterError(e.message, { cause: e });
      throw e;
    }
    this.log.info({ member: join.id, address: join.address }, 'member admitted');
    return { status: 200, body: { leader: this.deps.nodeId } };
  }
}
