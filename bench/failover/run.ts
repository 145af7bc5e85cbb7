/**
 * npm run bench:failover — failover on the 3-box test cluster (compose/up.sh
 * on the real Docker engine), printing each run, then the medians, and
 * writing bench/results/failover.json.
 *
 *  - leader killed (appliance + its replicas): time until both survivors
 *    agree on a new leader; time until the dead box's replicas run on the
 *    survivors, from the kill and from the moment the leader declared it dead.
 *  - a follower box killed: the same replica times (no election needed).
 *  - a follower cut off (docker network disconnect): time for the majority to
 *    acknowledge a change; whether the cut-off box elected anybody or raised
 *    its term; whether it kept its replicas; time to rejoin after reconnecting;
 *    whether rejoining cost an election.
 *  - at the end: every acknowledged change present on every box.
 *
 * Each box runs its own app (three one-module images differing only in their
 * manifest's name), so a dead box's work needs a real new container elsewhere.
 * Settings: BENCH_LEADER_RUNS (10), BENCH_BOX_RUNS (5), BENCH_PARTITION_RUNS (3).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { ensureImages, IMAGE_TAGS } from '../../test/support/images.js';
import {
  agreedLeader,
  docker,
  startTestCluster,
  type TestCluster,
  waitFor,
} from '../../test/integration/cluster-harness.js';

const LEADER_RUNS = Number(process.env.BENCH_LEADER_RUNS ?? 10);
const BOX_RUNS = Number(process.env.BENCH_BOX_RUNS ?? 5);
const PARTITION_RUNS = Number(process.env.BENCH_PARTITION_RUNS ?? 3);
const APPS = ['bench-a', 'bench-b', 'bench-c'];

interface PlanView {
  placements: { deployment: string; node: string }[];
}

const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ms = (t0: bigint) => Number((process.hrtime.bigint() - t0) / 1_000_000n);

function buildBenchImages(): void {
  const noop = JSON.parse(
    docker('inspect', IMAGE_TAGS.noop, '-f', '{{index .Config.Labels "rim.manifest"}}'),
  ) as Record<string, unknown>;
  for (const name of APPS) {
    const manifest = JSON.stringify({ ...noop, name, description: `failover bench app ${name}` });
    execFileSync('docker', ['build', '-q', '-t', `rim-bench/${name}:latest`, '-'], {
      input: `FROM ${IMAGE_TAGS.noop}\nLABEL rim.manifest='${manifest}'\n`,
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
      stdio: ['pipe', 'ignore', 'inherit'],
    });
  }
}

async function main(): Promise<void> {
  await ensureImages(['base', 'noop', 'appliance']);
  buildBenchImages();
  const c = startTestCluster('b');
  const acked: string[] = [];
  const results = {
    leaderKill: [] as Record<string, number | string | null>[],
    boxKill: [] as Record<string, number | string | null>[],
    partition: [] as Record<string, number | string | boolean | null>[],
  };
  try {
    const up = [...c.boxes];
    const first = await waitFor(
      'the cluster to form',
      async () => {
        const l = await agreedLeader(c, up, 3);
        return l && l.members.every((m) => m.state === 'alive') && l;
      },
      90_000,
    );
    for (const app of APPS) await post(c, first.leader!, '/v1/apps', { image: `rim-bench/${app}:latest` });
    for (const app of APPS) {
      await post(c, first.leader!, '/v1/deployments', { name: `${app}-cam`, app, fps: 5, latencyMs: 500 });
      acked.push(`${app}-cam`);
    }
    await replicasPlaced(c, up, first.leader!, acked, 60_000);
    console.log(`cluster ${c.prefix} up: leader ${first.leader}, ${APPS.length} apps placed one per box`);

    const kill = async (victimIsLeader: boolean, i: number) => {
      const before = await waitFor(
        'a settled cluster',
        async () => {
          const l = await agreedLeader(c, c.boxes, 3);
          return l && l.members.every((m) => m.state === 'alive') && l;
        },
        90_000,
      );
      await replicasPlaced(c, c.boxes, before.leader!, acked, 60_000);
      let plan = await c.get<PlanView>(before.leader!, '/v1/plan');
      const followers = c.boxes.filter((b) => b !== before.leader);
      if (!victimIsLeader && !followers.some((b) => plan.placements.some((p) => p.node === b))) {
        // Work for an idle follower: a new deployment goes to the least loaded box.
        const name = `${APPS[i % 3]}-extra-${i + 1}`;
        await post(c, before.leader!, '/v1/deployments', { name, app: APPS[i % 3]!, fps: 1, latencyMs: 500 });
        acked.push(name);
        await replicasPlaced(c, c.boxes, before.leader!, acked, 60_000);
        plan = await c.get<PlanView>(before.leader!, '/v1/plan');
      }
      const victim = victimIsLeader
        ? before.leader!
        : followers.sort(
            (x, y) =>
              plan.placements.filter((p) => p.node === y).length - plan.placements.filter((p) => p.node === x).length,
          )[0]!;
      const moved = plan.placements.filter((p) => p.node === victim).map((p) => p.deployment);
      const survivors = c.boxes.filter((b) => b !== victim);
      const t0 = process.hrtime.bigint();
      c.kill(victim);
      let leaderMs: number | null = null;
      let deadMs: number | null = null;
      let newLeader = victimIsLeader ? null : before.leader;
      let replicasMs: number | null = null;
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && (replicasMs === null || deadMs === null)) {
        const views = await Promise.all(survivors.map((b) => c.view(b).catch(() => undefined)));
        const v0 = views[0];
        if (leaderMs === null && v0?.leader && v0.leader !== victim && views.every((v) => v?.leader === v0.leader)) {
          leaderMs = ms(t0);
          newLeader = v0.leader;
        }
        const lv = views.find((v) => v?.self === newLeader);
        if (deadMs === null && lv?.members.find((m) => m.id === victim)?.state === 'dead') deadMs = ms(t0);
        if (
          newLeader &&
          replicasMs === null &&
          (await replicasPlaced(c, survivors, newLeader, acked, 0).catch(() => false))
        )
          replicasMs = ms(t0);
        await new Promise((r) => setTimeout(r, 50));
      }
      const row = {
        run: i + 1,
        victim,
        movedDeployments: moved.length,
        newLeader,
        electMs: victimIsLeader ? leaderMs : null,
        declaredDeadMs: deadMs,
        replicasRunningMs: replicasMs,
        afterDeclaredMs: replicasMs !== null && deadMs !== null ? replicasMs - deadMs : null,
      };
      console.log(`${victimIsLeader ? 'leader' : 'box'} kill ${i + 1}: ${JSON.stringify(row)}`);
      c.start(victim);
      return row;
    };
    for (let i = 0; i < LEADER_RUNS; i++) results.leaderKill.push(await kill(true, i));
    for (let i = 0; i < BOX_RUNS; i++) results.boxKill.push(await kill(false, i));

    for (let i = 0; i < PARTITION_RUNS; i++) {
      const before = await waitFor(
        'a settled cluster',
        async () => {
          const l = await agreedLeader(c, c.boxes, 3);
          return l && l.members.every((m) => m.state === 'alive') && l;
        },
        90_000,
      );
      const plan = await c.get<PlanView>(before.leader!, '/v1/plan');
      const followers = c.boxes.filter((b) => b !== before.leader);
      const cut = followers.find((b) => plan.placements.some((p) => p.node === b)) ?? followers[0]!;
      // Let the box's supervisor settle on the committed plan before cutting it off.
      await waitFor(
        "the box's replicas to settle",
        async () => {
          const a = c.running(cut).join();
          await new Promise((r) => setTimeout(r, 2000));
          return c.running(cut).join() === a;
        },
        60_000,
        0,
      );
      const majority = c.boxes.filter((b) => b !== cut);
      const cutTerm = (await c.view(cut))!.term;
      const replicas = c.running(cut);
      c.disconnect(cut);
      const t0 = process.hrtime.bigint();
      const name = `${APPS[i % 3]}-change-${i + 1}`;
      await post(
        c,
        majority.find((b) => b !== before.leader)!,
        '/v1/deployments',
        { name, app: APPS[i % 3]!, fps: 1, latencyMs: 500 },
      );
      acked.push(name);
      const ackMs = ms(t0);
      await new Promise((r) => setTimeout(r, 6000));
      const inside = await c.getInside<{ role: string; term: number }>(cut, '/v1/cluster');
      const keptReplicas = replicas.every((r) => c.running(cut).includes(r));
      c.connect(cut);
      const t1 = process.hrtime.bigint();
      await waitFor(
        'the cut-off box to rejoin',
        async () => {
          const [v, l] = await Promise.all([c.view(cut).catch(() => undefined), c.view(before.leader!)]);
          return v?.leader === before.leader && l?.members.find((m) => m.id === cut)?.state === 'alive';
        },
        60_000,
        50,
      );
      const rejoinMs = ms(t1);
      const after = await c.view(before.leader!);
      const row = {
        run: i + 1,
        cut,
        majorityAckMs: ackMs,
        cutOffElectedSomebody: inside.role !== 'follower' && inside.role !== 'precandidate' ? inside.role : false,
        cutOffTermRaised: inside.term !== cutTerm,
        replicasOnCutBox: replicas.length,
        keptReplicasRunning: keptReplicas,
        rejoinMs,
        rejoinCostElection: after!.term !== before.term,
      };
      console.log(`partition ${i + 1}: ${JSON.stringify(row)}`);
      results.partition.push(row);
    }

    const lost: Record<string, string[]> = {};
    for (const b of c.boxes) {
      const ds = await waitFor(
        `${b} caught up`,
        async () => {
          const list = await c.get<{ name: string }[]>(b, '/v1/deployments');
          return acked.every((a) => list.some((d) => d.name === a)) && list;
        },
        30_000,
      ).catch(() => [] as { name: string }[]);
      lost[b] = acked.filter((a) => !ds.some((d) => d.name === a));
    }

    const col = (rows: Record<string, unknown>[], k: string) =>
      rows
        // Replica times count only runs where the dead box had work to move.
        .filter((r) => !/replicas|afterDeclared/i.test(k) || (r.movedDeployments as number) > 0)
        .map((r) => r[k])
        .filter((v): v is number => typeof v === 'number');
    const summary = {
      leaderKill: {
        runs: results.leaderKill.length,
        medianElectMs: median(col(results.leaderKill, 'electMs')),
        medianReplicasRunningMs: median(col(results.leaderKill, 'replicasRunningMs')),
        medianAfterDeclaredMs: median(col(results.leaderKill, 'afterDeclaredMs')),
      },
      boxKill: {
        runs: results.boxKill.length,
        medianDeclaredDeadMs: median(col(results.boxKill, 'declaredDeadMs')),
        medianReplicasRunningMs: median(col(results.boxKill, 'replicasRunningMs')),
        medianAfterDeclaredMs: median(col(results.boxKill, 'afterDeclaredMs')),
      },
      partition: {
        runs: results.partition.length,
        medianMajorityAckMs: median(col(results.partition, 'majorityAckMs')),
        medianRejoinMs: median(col(results.partition, 'rejoinMs')),
        cutOffElectedSomebody: results.partition.some((r) => r.cutOffElectedSomebody),
        cutOffTermRaised: results.partition.some((r) => r.cutOffTermRaised),
        keptReplicasRunning: results.partition.every((r) => r.keptReplicasRunning),
        rejoinCostElection: results.partition.some((r) => r.rejoinCostElection),
      },
      acknowledgedChanges: acked.length,
      lostAcknowledgedChanges: Object.values(lost).reduce((n, l) => n + l.length, 0),
      targets: { electMs: 3000, replicasRunningMs: 10_000, afterDeclaredMs: 5000 },
    };
    console.log('\nfailover medians (ms)');
    console.table({
      'leader killed': {
        runs: summary.leaderKill.runs,
        'new leader': summary.leaderKill.medianElectMs,
        'replicas running': summary.leaderKill.medianReplicasRunningMs,
        'after declared dead': summary.leaderKill.medianAfterDeclaredMs,
      },
      'box killed': {
        runs: summary.boxKill.runs,
        'new leader': '-',
        'replicas running': summary.boxKill.medianReplicasRunningMs,
        'after declared dead': summary.boxKill.medianAfterDeclaredMs,
      },
    });
    const part = summary.partition;
    console.log(
      `partition: majority acked a change in ${part.medianMajorityAckMs} ms (median); ` +
        `cut-off box elected somebody: ${part.cutOffElectedSomebody}; raised its term: ${part.cutOffTermRaised}; ` +
        `kept its replicas: ${part.keptReplicasRunning}; rejoined in ${part.medianRejoinMs} ms; ` +
        `rejoin cost an election: ${part.rejoinCostElection}`,
    );
    console.log(`acknowledged changes: ${summary.acknowledgedChanges}, lost: ${summary.lostAcknowledgedChanges}`);
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(
      'bench/results/failover.json',
      `${JSON.stringify({ at: new Date().toISOString(), summary, runs: results, lost }, null, 2)}\n`,
    );
    console.log('wrote bench/results/failover.json');
  } finally {
    c.down();
    for (const app of APPS) {
      try {
        docker('rmi', `rim-bench/${app}:latest`);
      } catch {
        /* in use or gone */
      }
    }
  }
}

async function post(c: TestCluster, box: string, path: string, body: unknown): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const r = await c.post(box, path, body);
    if (r.status === 200 || r.status === 201) return;
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(`POST ${path} via ${box} failed`);
}

/** Every deployment placed on one of `boxes`, with its app's replica running there. */
async function replicasPlaced(
  c: TestCluster,
  boxes: string[],
  leader: string,
  deployments: string[],
  timeoutMs: number,
): Promise<boolean> {
  const check = async () => {
    const plan = await c.get<PlanView>(leader, '/v1/plan');
    const rows = deployments.map((d) => plan.placements.find((p) => p.deployment === d));
    if (rows.some((r) => !r || !boxes.includes(r.node))) return false;
    const running = docker(
      'ps',
      '--filter',
      'label=rim.managed=true',
      '--filter',
      'status=running',
      '--format',
      '{{.Label "rim.node"}} {{.Label "rim.app"}}',
    ).split('\n');
    return rows.every((r) =>
      running.some(
        (line) =>
          line.startsWith(`${r!.node} `) && APPS.some((a) => line.endsWith(` ${a}`) && r!.deployment.startsWith(a)),
      ),
    );
  };
  if (timeoutMs === 0) return check();
  return waitFor('replicas placed and running', check, timeoutMs, 200);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
