/**
 * A demoted deployment is promoted when a box joins (issue #10), on a real
 * test cluster (compose/up.sh, rim/appliance containers on the real Docker
 * engine): two boxes start, a third is a spare in their static peers. Every
 * box has one emulated GPU of the same model, so the profiles measured on
 * the first two hold for the third. One light app: a GPU module `detect`
 * (40 ms a frame) with a lighter variant `tiny` (15 ms), profiled by the
 * cluster itself. From the measured maximum rate C of `detect` on that
 * model, two deployments: `steady` at 0.6 C, then `cam` at 1.5 C; together
 * 2.1 C, more than two GPUs hold at full quality (2 × 0.9 C with the
 * planner's 10% headroom), so `cam` is admitted on `tiny`. Then the third
 * box joins: within a minute of its membership `cam` runs on its full
 * quality (every placement of it `default`), and `steady`'s placements are
 * exactly as before (nothing else moved). What the test reads: the leader's
 * GET /v1/plan and the boxes' event streams (`member` `joined`, `plan`
 * `committed`); nothing sleeps in place of a check.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ensureImages } from '../support/images.js';
import { until } from '../support/until.js';
import {
  agreedLeader,
  buildSyntheticApp,
  registerApp,
  docker,
  listenEvents,
  startTestCluster,
  type RimEvent,
  type TestCluster,
} from './cluster-harness.js';
import { FAST_PROFILER_TUNING } from '../support/profiler-tuning.js';

const TAG = `rim/test-variants:${process.pid}`;
const MODEL = 'GTX 1080';

interface Placement {
  deployment: string;
  module: string;
  variant?: string;
  node: string;
  accelerator: string;
  fps: number;
}
interface Plan {
  strategy: string;
  placements: Placement[];
  rejected: { deployment: string; reason: string }[];
  reason?: string;
  replan?: string;
  moves?: number;
}
interface Profile {
  app: string;
  module: string;
  variant?: string;
  accelerator: string;
  state: string;
  maxFps: number;
}

const of = (plan: Plan, name: string) => plan.placements.filter((p) => p.deployment === name);
const variants = (plan: Plan, name: string) => [...new Set(of(plan, name).map((p) => p.variant ?? 'default'))];
/** A deployment's replicas as placement sees them: module, variant, node, accelerator and rate, sorted. */
const replicas = (plan: Plan, name: string) =>
  of(plan, name)
    .map((p) => `${p.module}/${p.variant ?? 'default'}@${p.node}/${p.accelerator}:${p.fps}`)
    .sort();

describe('a demoted deployment is promoted when a box joins', { timeout: 600_000 }, () => {
  let c: TestCluster | undefined;
  let leader = '';

  before(async () => {
    await ensureImages(process.env.RIM_IMAGE ? ['synthetic'] : ['appliance', 'synthetic']);
    const manifest = {
      apiVersion: 'rim/v1',
      name: 'variants',
      entry: 'detect',
      profile: { sampleInput: '/rim/sample.bin' },
      modules: [
        {
          name: 'detect',
          image: 'self',
          command: ['node', '/app/server.js'],
          accelerator: 'gpu',
          next: [],
          env: { COST_MS: '40', OUT_BYTES: '1024' },
          variants: [{ name: 'tiny', env: { COST_MS: '15' }, quality: 0.7 }],
        },
      ],
    };
    buildSyntheticApp(TAG, manifest);
    c = startTestCluster('pj', {
      boxes: 2,
      spare: 1,
      staticPeers: true,
      profiling: true,
      emulateModels: [MODEL],
      env: { RIM_PROFILING_FAST_PROFILER_TUNING: JSON.stringify(FAST_PROFILER_TUNING) },
    });
    const cl = c;
    leader = (await until('an agreed leader', () => agreedLeader(cl, cl.boxes), 120_000, 500)).leader!;
    await registerApp(cl, leader, TAG);
  });

  after(() => {
    c?.down();
    try {
      docker('rmi', '-f', TAG);
    } catch {
      /* already gone */
    }
  });

  it('full quality within a minute of the join, no other deployment moved', async (t) => {
    const cl = c!;
    const plan = () => cl.get<Plan>(leader, '/v1/plan');
    // The app profiled on the boxes' model: both variants of detect and the whole app.
    const profiles = await until(
      `detect and its variant profiled on ${MODEL}`,
      async () => {
        const ps = (await cl.get<Profile[]>(leader, '/v1/profiles')).filter((p) => p.app === 'variants');
        const ok = (module: string, variant: string) =>
          ps.find(
            (p) =>
              p.module === module &&
              (p.variant ?? 'default') === variant &&
              p.accelerator === MODEL &&
              p.state === 'ok' &&
              p.maxFps > 0,
          );
        const full = ok('detect', 'default');
        const tiny = ok('detect', 'tiny');
        return full && tiny && ok('*', 'default') ? { full, tiny } : undefined;
      },
      300_000,
      1000,
    );
    const C = profiles.full.maxFps;
    t.diagnostic(`profiles on ${MODEL}: detect ${C} fps, tiny ${profiles.tiny.maxFps} fps`);
    assert.ok(profiles.tiny.maxFps > 1.5 * C, 'the variant is lighter (else nothing is demoted)');

    const deploy = async (name: string, fps: number) => {
      const body = { name, app: 'variants', fps: Math.round(fps * 10) / 10, latencyMs: 5000 };
      let last: unknown;
      await until(
        `${name} deployed`,
        async () => {
          last = await cl.post(leader, '/v1/deployments', body);
          return [200, 201].includes((last as { status: number }).status);
        },
        60_000,
        1000,
      ).catch((e: Error) => {
        throw new Error(`${e.message}: ${JSON.stringify(last)}`);
      });
      return until(
        `${name} planned`,
        async () => ((await plan()).placements.some((p) => p.deployment === name) ? plan() : undefined),
        30_000,
        300,
      );
    };
    const first = await deploy('steady', 0.6 * C);
    assert.deepEqual(variants(first, 'steady'), ['default'], 'steady fits at full quality');
    await deploy('cam', 1.5 * C);
    // Planned by the engine with both deployments admitted, cam on its lighter variant.
    const demoted = await until(
      'cam admitted on tiny',
      async () => {
        const p = await plan();
        return !p.rejected.length && variants(p, 'cam').includes('tiny') && of(p, 'steady').length ? p : undefined;
      },
      30_000,
      300,
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}; plan: ${JSON.stringify(await plan())}`);
    });
    t.diagnostic(`before the join: ${JSON.stringify(demoted.placements)}`);
    assert.ok(
      demoted.placements.every((p) => cl.boxes.includes(p.node)),
      'placed on the two boxes',
    );

    const events: (RimEvent & { at: number })[] = [];
    const stop = cl.boxes.map((b) => listenEvents(cl, b, (e) => events.push({ ...e, at: Date.now() })));
    try {
      const startedAt = Date.now();
      const joined = cl.join();
      const memberEvent = () => events.find((x) => x.type === 'member' && (x.data as { id?: string }).id === joined);
      await until(
        `${joined} a member, alive`,
        async () => (await cl.view(leader))?.members.some((m) => m.id === joined && m.state === 'alive'),
        120_000,
        250,
      );
      // From when the boxes announced the new member (or, if that event is not in yet, from now).
      const joinedAt = memberEvent()?.at ?? Date.now();
      const promoted = await until(
        'cam at full quality',
        async () => {
          const p = await plan();
          return !p.rejected.length && of(p, 'cam').length && variants(p, 'cam').every((v) => v === 'default')
            ? p
            : undefined;
        },
        90_000,
        250,
      ).catch(async (e: Error) => {
        throw new Error(`${e.message}; plan: ${JSON.stringify(await plan())}`);
      });
      const seconds = (Date.now() - joinedAt) / 1000;
      t.diagnostic(`promoted ${seconds.toFixed(1)} s after ${joined} joined: ${JSON.stringify(promoted.placements)}`);
      t.diagnostic(`the plan: ${promoted.replan} (${promoted.moves} moves), reason "${promoted.reason}"`);
      const seen = events.map((e) => `${e.type} ${e.action} +${((e.at - startedAt) / 1000).toFixed(1)} s`);
      t.diagnostic(`events since the join: ${seen.join(', ')}`);
      assert.ok(seconds < 60, `promoted within a minute of the join (${seconds.toFixed(1)} s)`);
      assert.deepEqual(replicas(promoted, 'steady'), replicas(demoted, 'steady'), "steady's replicas did not move");
      const camFps = of(promoted, 'cam').reduce((s, p) => s + p.fps, 0);
      assert.ok(Math.abs(camFps - Math.round(15 * C) / 10) < 0.05, `cam keeps its rate at full quality (${camFps})`);
      assert.ok(
        promoted.placements.some((p) => p.node === joined),
        `the capacity that came back is used: something runs on ${joined}`,
      );
      // The boxes announced it: the join, then a committed plan (the event may trail the API by a moment).
      assert.ok(memberEvent(), `a member event names ${joined}`);
      await until(
        'a plan committed since the join, announced',
        () => events.some((e) => e.type === 'plan' && e.action === 'committed'),
        10_000,
        100,
      );
    } finally {
      for (const s of stop) s();
    }
  });
});
