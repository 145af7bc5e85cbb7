/**
 * Failover on a real 3-box test cluster (Docker): deployments placed across
 * the boxes; the leader killed (a new leader takes over the same state); a
 * box killed (its work re-placed on the survivors, running there); a box cut
 * off by `docker network disconnect` (the majority carries on and accepts
 * changes, the cut-off box elects nobody and keeps its replica running) and
 * reconnected (it rejoins without an election and catches up); and no
 * acknowledged change lost along the way.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ensureImages, IMAGE_TAGS } from '../support/images.js';
import { agreedLeader, docker, startTestCluster, type TestCluster, waitFor } from './cluster-harness.js';

interface PlanView {
  placements: { deployment: string; node: string }[];
}
interface Deployment {
  name: string;
}

describe('cluster failover on Docker', { timeout: 600_000 }, () => {
  let c: TestCluster;
  const acked: string[] = [];
  let up: string[] = [];

  const deploy = async (via: string, name: string) => {
    const r = await c.post(via, '/v1/deployments', { name, app: 'noop', fps: 5, latencyMs: 500 });
    assert.ok(r.status === 201 || r.status === 200, `deploy ${name} via ${via}: ${r.status} ${JSON.stringify(r.body)}`);
    acked.push(name);
  };
  const leaderOf = (boxes: string[]) =>
    waitFor(`a leader agreed by ${boxes.join(', ')}`, () => agreedLeader(c, boxes, 3), 30_000);
  /** Every acknowledged deployment is placed on a live box that runs its replica. */
  const allPlacedOn = (boxes: string[], via: string) =>
    waitFor(
      `every deployment placed on ${boxes.join(', ')} and running`,
      async () => {
        const plan = await c.get<PlanView>(via, '/v1/plan');
        const placed = new Map(plan.placements.map((p) => [p.deployment, p.node]));
        if (!acked.every((d) => boxes.includes(placed.get(d) ?? ''))) return false;
        const nodes = new Set(placed.values());
        return [...nodes].every((n) => c.running(n).some((name) => name.includes('noop'))) && plan;
      },
      30_000,
      250,
    );

  before(async () => {
    await ensureImages(['base', 'noop', 'appliance']);
    c = startTestCluster('f');
    up = [...c.boxes];
  });
  after(() => c?.down());

  it('places deployments across the three boxes', async () => {
    const leader = await leaderOf(up);
    const follower = up.find((b) => b !== leader.leader)!;
    const r = await c.post(follower, '/v1/apps', { image: IMAGE_TAGS.noop });
    assert.ok(r.status === 201 || r.status === 200, `app via a follower: ${r.status} ${JSON.stringify(r.body)}`);
    for (const d of ['cam-1', 'cam-2', 'cam-3']) await deploy(follower, d);
    const plan = await allPlacedOn(up, leader.leader!);
    assert.equal(new Set(plan.placements.map((p) => p.node)).size, 3, 'one deployment per box');
    for (const b of up) assert.equal(c.running(b).length, 1, `${b} runs its replica (in its own sandbox)`);
  });

  it("survives the leader's death: a new leader, the same state", async () => {
    const before = await leaderOf(up);
    const dead = before.leader!;
    c.kill(dead);
    up = up.filter((b) => b !== dead);
    const after = await waitFor(
      'a new leader among the survivors',
      async () => {
        const l = await agreedLeader(c, up, 3).catch(() => undefined);
        return l && l.leader !== dead && l;
      },
      15_000,
    );
    assert.ok(after.term > before.term);
    await deploy(up[0]!, 'cam-4');
    const plan = await allPlacedOn(up, after.leader!);
    assert.ok(!plan.placements.some((p) => p.node === dead));
    const view = await c.view(after.leader!);
    assert.equal(view!.members.find((m) => m.id === dead)?.state, 'dead');
    const ds = await c.get<Deployment[]>(up[1]!, '/v1/deployments');
    assert.deepEqual(ds.map((d) => d.name).sort(), [...acked].sort(), 'no acknowledged change lost');
    // The box comes back: it rejoins as a follower and the others' work stays where it is.
    c.start(dead);
    up.push(dead);
    await waitFor(
      'the old leader back as a live follower',
      async () => {
        const l = await agreedLeader(c, up, 3).catch(() => undefined);
        return l && l.leader !== dead && l.members.every((m) => m.state === 'alive') && l;
      },
      60_000,
    );
    const again = await c.get<PlanView>(after.leader!, '/v1/plan');
    for (const p of plan.placements)
      assert.ok(
        again.placements.some((q) => q.deployment === p.deployment && q.node === p.node),
        `${p.deployment} stayed on ${p.node}`,
      );
  });

  it("re-places a dead box's replicas on the survivors", async () => {
    const leader = await leaderOf(up);
    const plan = await c.get<PlanView>(leader.leader!, '/v1/plan');
    const victim =
      up.find((b) => b !== leader.leader && plan.placements.some((p) => p.node === b)) ??
      up.find((b) => b !== leader.leader)!;
    c.kill(victim);
    up = up.filter((b) => b !== victim);
    await allPlacedOn(up, leader.leader!);
    const view = await c.view(leader.leader!);
    assert.equal(view!.members.find((m) => m.id === victim)?.state, 'dead');
    assert.equal(view!.leader, leader.leader, "a follower's death costs no election");
    c.start(victim);
    up.push(victim);
    await waitFor(
      'the box back and alive',
      async () => {
        const l = await agreedLeader(c, up, 3).catch(() => undefined);
        return l && l.members.every((m) => m.state === 'alive') && l;
      },
      60_000,
    );
  });

  it('partition: the majority carries on, the cut-off box elects nobody, keeps its replicas, rejoins', async () => {
    const leader = await leaderOf(up);
    await deploy(leader.leader!, 'cam-5');
    const plan = await allPlacedOn(up, leader.leader!);
    const cut = up.find((b) => b !== leader.leader && plan.placements.some((p) => p.node === b))!;
    assert.ok(cut, 'a follower with work');
    const cutView = await c.view(cut);
    const replicasBefore = c.running(cut);
    assert.ok(replicasBefore.length > 0);
    c.disconnect(cut);
    const majority = up.filter((b) => b !== cut);

    await deploy(majority[0]!, 'cam-6');
    await waitFor(
      'the leader to declare the cut-off box dead',
      async () => (await c.view(leader.leader!))?.members.find((m) => m.id === cut)?.state === 'dead',
      15_000,
    );
    await allPlacedOn(majority, leader.leader!);
    // Absence is the point: several election timeouts pass and the cut-off box elects nobody, not even itself.
    await new Promise((r) => setTimeout(r, 4000));
    const inside = await c.getInside<{ role: string; term: number; leader: string | null }>(cut, '/v1/cluster');
    assert.notEqual(inside.role, 'leader', 'the cut-off box elects nobody');
    assert.equal(inside.term, cutView!.term, 'not even itself: its term did not move');
    assert.deepEqual(c.running(cut), replicasBefore, 'and it keeps its replicas running');
    // Edge autonomy: with no leader in reach, a crashed replica is still restarted by the box itself.
    docker('kill', replicasBefore[0]!);
    await waitFor(
      'the cut-off box to restart its crashed replica',
      () => c.running(cut).includes(replicasBefore[0]!),
      30_000,
      250,
    );
    const majorityView = await c.view(leader.leader!);
    assert.equal(majorityView!.leader, leader.leader);

    c.connect(cut);
    await waitFor(
      'the cut-off box to follow the same leader again, alive',
      async () => {
        const v = await c.view(cut).catch(() => undefined);
        const l = await c.view(leader.leader!);
        return v?.leader === leader.leader && l?.members.find((m) => m.id === cut)?.state === 'alive' && v;
      },
      30_000,
    );
    assert.equal((await c.view(leader.leader!))!.term, leader.term, 'rejoining cost no election');
    const ds = await waitFor(
      'the rejoined box to hold every acknowledged change',
      async () => {
        const list = await c.get<Deployment[]>(cut, '/v1/deployments');
        return list.length === acked.length && list;
      },
      15_000,
    );
    assert.deepEqual(ds.map((d) => d.name).sort(), [...acked].sort());
  });

  it('lost no acknowledged change on any box', async () => {
    for (const b of up) {
      const ds = await waitFor(
        `${b} caught up`,
        async () => {
          const list = await c.get<Deployment[]>(b, '/v1/deployments');
          return list.length >= acked.length && list;
        },
        15_000,
      );
      assert.deepEqual(ds.map((d) => d.name).sort(), [...acked].sort(), b);
    }
  });
});
