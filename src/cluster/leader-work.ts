/**
 * What only the leader does: admit joining nodes, declare members suspect
 * or dead from their silence, drop members past memberExpiry, and re-plan
 * whenever the plan's inputs change (apps, deployments, profiles, the set
 * of live nodes), passing the previous plan so that nothing else moves.
 * Each node then runs its share of the committed plan (assignment-follower).
 */
import { expiredMembers, type FailureDetectorConfig, memberTransitions } from '../domain/membership/failure-detector.js';
import { aliveMembers, isCurrentMember, votersOf, withMember, withoutMember, withTransitions } from '../domain/membership/member-changes.js';
import { UnavailableError } from '../domain/errors.js';
import { planInputKey, planKey } from '../domain/planning/plan-keys.js';
import type { ClusterPlanner } from '../domain/planning/planner.js';
import type { Logger } from '../log.js';
import type { ClusterNode } from './cluster-node.js';
import { joinSchema, type JoinRequest } from './peer-messages.js';
import type { PeerReply } from './peer-server.js';

export class LeaderWork {
  private plannedKey = '';
  private busy = false;

  constructor(
    private readonly node: ClusterNode,
    private readonly detector: FailureDetectorConfig,
    private readonly planner: ClusterPlanner | undefined,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {
    node.driver.onRole((role) => { if (role === 'leader') this.plannedKey = ''; });
  }

  start(signal: AbortSignal): void {
    const timer = setInterval(() => {
      if (this.busy || !this.node.isLeader) return;
      this.busy = true;
      this.round().catch((e) => this.log.warn({ err: e }, 'leader round failed')).finally(() => { this.busy = false; });
    }, 200);
    signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  }

  private async round(): Promise<void> {
    const s = this.node.driver.snapshot;
    const heard = (id: string) => s.ackAt[id];
    const self = this.node.deps.nodeId;
    await this.node.driver.propose((head, next) => {
      if (!head) return null;
      const t = memberTransitions(head.data.members, self, heard, s.becameLeaderAt, this.now(), this.detector);
      if (!t.length) return null;
      for (const x of t) this.log[x.to === 'alive' ? 'info' : 'warn']({ member: x.id, from: x.from, to: x.to }, `member ${x.id} is ${x.to}`);
      return { data: { ...withTransitions(head.data, t, heard, this.now()), version: next } };
    });
    await this.node.driver.propose((head, next) => {
      const gone = head ? expiredMembers(head.data.members, this.now(), this.detector)[0] : undefined;
      if (!head || !gone || gone === self) return null;
      this.log.warn({ member: gone }, 'member expired: removed from the cluster');
      const data = withoutMember(head.data, gone);
      return { data: { ...data, version: next }, voters: votersOf(data) };
    });
    if (this.planner) await this.replan(this.planner);
  }

  private async replan(planner: ClusterPlanner): Promise<void> {
    const doc = this.node.newestDoc();
    if (!doc) return;
    const nodes = aliveMembers(doc).flatMap((m) => (m.inventory ? [m.inventory] : []));
    const key = planInputKey(doc, nodes);
    if (key === this.plannedKey) return;
    const started = this.now();
    const plan = planner(doc, nodes, doc.plan);
    await this.node.driver.propose((head, next) => {
      if (!head || head.data.version !== doc.version || planKey(plan) === planKey(head.data.plan)) return null;
      return { data: { ...head.data, plan, version: next } };
    });
    this.plannedKey = key;
    this.log.info({ placements: plan.placements.length, rejected: plan.rejected.length, nodes: nodes.map((n) => n.id), moves: plan.moves, ms: this.now() - started }, 'plan updated');
  }

  /** POST /v1/peer/join: the leader makes the caller a member (one membership change at a time). */
  async onJoin(body: unknown, from: string, remoteIp: string): Promise<PeerReply> {
    const req = joinSchema.parse(body) as JoinRequest;
    if (req.id !== from) return { status: 403, body: { error: { code: 'forbidden', message: 'a node joins only as itself' } } };
    if (!this.node.isLeader) {
      const leader = this.node.leaderId;
      return { status: 409, body: { leader, leaderAddress: leader ? this.node.addressOf(leader) : undefined } };
    }
    const port = req.address.split(':').pop();
    const join = { id: req.id, address: `${remoteIp}:${port}`, inventory: req.inventory };
    try {
      await this.node.driver.propose((head, next) => {
        if (!head || isCurrentMember(head.data, join)) return null;
        const data = withMember(head.data, join, this.now());
        return { data: { ...data, version: next }, voters: votersOf(data) };
      });
    } catch (e) {
      if (e instanceof UnavailableError) return { status: 503, body: { error: { code: 'retry', message: e.message } } };
      throw e;
    }
    this.log.info({ member: join.id, address: join.address }, 'member admitted');
    return { status: 200, body: { leader: this.node.deps.nodeId } };
  }
}
