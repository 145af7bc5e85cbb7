/**
 * Profiling on the box that has the accelerator, on a real 3-box test
 * cluster: two emulated GPU models (box 1 has EMU-A; boxes 2 and 3 have
 * EMU-B), so the leader has exactly one of them. The app's modules are
 * profiled on a box with each model (each profile names its box), the frame
 * size is measured, nothing of the profiling is left running, and a
 * deployment too big for the EMU-B boxes alone is placed on both models; the
 * leader measured its link to the other boxes (RTT, bandwidth). A
 * deployment added while the app is being profiled never shows as rejected
 * (its state is read from the API throughout, every observation recorded).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureImages, IMAGE_TAGS } from '../support/images.js';
import { agreedLeader, docker, startTestCluster, waitFor, type TestCluster } from './cluster-harness.js';

interface Profile {
  app: string;
  module: string;
  variant?: string;
  accelerator: string;
  state: string;
  maxFps: number;
  node?: string;
  shared?: boolean;
  frameKB?: number;
  reason?: string;
}
interface Plan {
  strategy: string;
  placements: { deployment: string; module: string; node: string; accelerator: string; fps: number }[];
}

const MODELS = ['EMU-A', 'EMU-B', 'EMU-B'];
// Short windows: the synthetic sample's figures settle fast; bounded runs.
const TUNING = {
  windowMs: 300,
  minSamples: 8,
  maxWindowMs: 1500,
  settleMs: 100,
  warmupMs: 200,
  maxWindows: 4,
  checkIntervalMs: 2000,
  healthTimeoutMs: 20000,
  maxRunMs: 90000,
};
let c: TestCluster;
/** While true, the early deployment's state is polled (cleared when the test ends, passed or not). */
let watching = false;

before(async () => {
  await ensureImages(['synthetic']);
  c = startTestCluster('prof', {
    profiling: true,
    emulateModels: MODELS,
    env: { RIM_PROFILING_TUNING: JSON.stringify(TUNING) },
  });
});

after(() => {
  watching = false;
  c?.down();
});

test(
  'each model is profiled on a box that has it, and the plan places the app on both models',
  { timeout: 600_000 },
  async () => {
    const leader = await waitFor('a leader of three', () => agreedLeader(c, c.boxes, 3), 60_000, 250);
    const box = (id: string) => c.boxes.find((b) => b === id)!;
    const modelOf = (id: string) => MODELS[c.boxes.indexOf(id)]!;
    const lead = box(leader.leader!);
    const began = Date.now();
    // A loaded machine can cost the leader a heartbeat: a change refused with 503 is sent again.
    await waitFor(
      'the app registered',
      async () => {
        const apps = await c.get<{ name: string }[]>(lead, '/v1/apps').catch(() => []);
        if (apps.some((a) => a.name === 'synthetic')) return true;
        const added = await c.post(lead, '/v1/apps', { image: IMAGE_TAGS.synthetic });
        return added.status === 201;
      },
      60_000,
      1000,
    );

    // A deployment added while the app is being profiled: its state is read throughout profiling and
    // planning, every observation kept; none may be `rejected` (profiling never costs an admitted stream).
    await waitFor(
      'the early deployment added',
      async () => {
        const deps = await c.get<{ name: string }[]>(lead, '/v1/deployments').catch(() => []);
        if (deps.some((d) => d.name === 'early')) return true;
        const dep = await c.post(lead, '/v1/deployments', {
          name: 'early',
          app: 'synthetic',
          fps: 0.5,
          latencyMs: 10_000,
        });
        return dep.status === 201 || dep.status === 200;
      },
      60_000,
      1000,
    );
    const seen: { at: number; state: string; reason?: string }[] = [];
    watching = true;
    const watch = waitFor(
      'the watch of the early deployment to end',
      async () => {
        const d = await c.get<{ state: string; reason?: string }>(lead, '/v1/deployments/early');
        seen.push({ at: Date.now(), state: d.state, ...(d.reason ? { reason: d.reason } : {}) });
        return !watching;
      },
      600_000,
      500,
    );

    const wanted = ['detect@EMU-A', 'detect@EMU-B', '*@EMU-A', '*@EMU-B', 'decode@cpu', 'track@cpu'];
    const profiles = await waitFor(
      'the app profiled on both models',
      async () => {
        const list = (await c.get<Profile[]>(lead, '/v1/profiles')).filter((p) => p.app === 'synthetic' && !p.variant);
        const failed = list.filter((p) => p.state === 'failed');
        if (failed.length) throw new Error(`profiling failed: ${JSON.stringify(failed)}`);
        const ok = list.filter((p) => p.state === 'ok');
        return wanted.every((w) => ok.some((p) => `${p.module}@${p.accelerator}` === w)) ? ok : undefined;
      },
      480_000,
      2000,
    );
    const profiledAt = Date.now();
    const profilingS = (profiledAt - began) / 1000;
    const status = await c.get<{ tasks: { profile: string; state: string; node?: string; reason?: string }[] }>(
      lead,
      '/v1/profiles/status',
    );
    console.log(`profiled in ${profilingS.toFixed(1)} s (leader ${lead}, model ${modelOf(lead)}):`);
    for (const p of profiles)
      console.log(
        `  ${p.module}@${p.accelerator} on ${p.node}: ${p.maxFps} fps, ` +
          `frame ${p.frameKB} KB${p.shared ? ' (shared)' : ''}`,
      );

    for (const p of profiles.filter((x) => x.accelerator !== 'cpu')) {
      assert.ok(p.node, `${p.module}@${p.accelerator} names its box`);
      assert.equal(
        modelOf(p.node!),
        p.accelerator,
        `${p.module}@${p.accelerator} was measured on ${p.node}, which has that model`,
      );
    }
    const otherModel = MODELS.find((m) => m !== modelOf(lead))!;
    assert.ok(
      profiles.some((p) => p.accelerator === otherModel && p.node !== lead),
      `the model the leader lacks (${otherModel}) was profiled elsewhere`,
    );
    const decode = profiles.find((p) => p.module === 'decode')!;
    assert.ok(
      decode.frameKB! > 15 && decode.frameKB! < 17,
      `decode's output measured ~16 KB (OUT_BYTES 16384): ${decode.frameKB}`,
    );
    // On a loaded machine a box can be declared dead for a moment: its tasks then end with a clear reason.
    for (const t of status.tasks.filter((x) => x.state === 'unavailable' || x.state === 'failed')) {
      assert.match(
        t.reason ?? '',
        /no live box has accelerator model|was lost while profiling|no result from box|stopped leading|only the leader hands out/,
        JSON.stringify(t),
      );
    }

    // A stream too big for the two EMU-B accelerators alone: ~80% of all three accelerators' detect capacity.
    const detect = (m: string) => profiles.find((p) => p.module === 'detect' && p.accelerator === m)!.maxFps;
    const fps = Math.max(0.1, Math.round(8 * 0.9 * (detect('EMU-A') + 2 * detect('EMU-B'))) / 10);
    await waitFor(
      'the deployment added',
      async () => {
        const deps = await c.get<{ name: string }[]>(lead, '/v1/deployments').catch(() => []);
        if (deps.some((d) => d.name === 'both')) return true;
        const dep = await c.post(lead, '/v1/deployments', { name: 'both', app: 'synthetic', fps, latencyMs: 10_000 });
        return dep.status === 201 || dep.status === 200;
      },
      60_000,
      1000,
    );
    const plan = await waitFor(
      'a plan from the placement engine using both models',
      async () => {
        const p = await c.get<Plan>(lead, '/v1/plan');
        const gpu = p.placements.filter((x) => x.deployment === 'both' && x.module === 'detect');
        const models = new Set(gpu.map((x) => modelOf(x.node)));
        return !/stand-in/.test(p.strategy) && models.has('EMU-A') && models.has('EMU-B') ? p : undefined;
      },
      60_000,
      500,
    );
    console.log(
      `deployment both at ${fps} fps: ${JSON.stringify(plan.placements.filter((x) => x.deployment === 'both'))}`,
    );

    // The leader measured its link to every other box when it joined; the members show it in /v1/nodes.
    const nodes = await waitFor(
      'every other box with a measured link',
      async () => {
        const list = await c.get<{ id: string; link?: { rttMs: number; bandwidthMbps: number; by: string } }[]>(
          lead,
          '/v1/nodes',
        );
        return list.filter((n) => n.link).length >= 2 ? list : undefined;
      },
      60_000,
      1000,
    );
    for (const n of nodes.filter((x) => x.link))
      console.log(
        `link to ${n.id} (measured by ${n.link!.by}): ${n.link!.rttMs} ms RTT, ${n.link!.bandwidthMbps} Mbit/s`,
      );
    for (const n of nodes.filter((x) => x.link)) {
      assert.ok(n.link!.rttMs > 0 && n.link!.rttMs < 1000, `${n.id}: a measured RTT (${n.link!.rttMs} ms)`);
      assert.ok(n.link!.bandwidthMbps > 1, `${n.id}: a measured bandwidth (${n.link!.bandwidthMbps} Mbit/s)`);
      assert.notEqual(n.link!.by, n.id, `${n.id}'s link was measured by another box`);
    }

    // The early deployment: watched while profiling ran and until the engine's plan took it over.
    await waitFor(
      'the early deployment placed by the engine',
      async () => {
        const p = await c.get<Plan>(lead, '/v1/plan');
        return !/stand-in/.test(p.strategy) && p.placements.some((x) => x.deployment === 'early');
      },
      60_000,
      500,
    );
    watching = false;
    await watch;
    const during = seen.filter((o) => o.at < profiledAt);
    const states = [...new Set(seen.map((o) => o.state))];
    console.log(`early deployment: ${seen.length} observations (${during.length} while profiling): ${states}`);
    assert.ok(during.length >= 3, `the early deployment was read while profiling ran (${during.length} times)`);
    const rejected = seen.filter((o) => o.state === 'rejected');
    assert.deepEqual(rejected, [], 'the early deployment never showed as rejected');
    assert.equal(seen[seen.length - 1]!.state, 'admitted', 'the early deployment ends admitted');

    // A profile measured beside the early deployment's replica (`shared`) is measured again once an
    // accelerator is free: such a run may be under way now; it ends within its bound (maxRunMs) and
    // leaves nothing behind.
    const left = () =>
      c.boxes.flatMap((b) => {
        const ids = docker('ps', '-aq', '--filter', `label=rim.node=${b}`, '--filter', 'label=rim.role=profiling');
        return ids ? [`${b}: ${ids.split('\n').join(' ')}`] : [];
      });
    // The leader's refresh runs its re-measures one after another: between two of them no container exists for a
    // moment, so "none left" also needs the refresh to have ended (nothing running, nothing queued).
    const idle = async () => {
      const s = await c.get<{ running: boolean; queued: number }>(lead, '/v1/profiles/status');
      return !s.running && s.queued === 0;
    };
    await waitFor(
      'no profiling container left',
      async () => left().length === 0 && (await idle()) && left().length === 0,
      2 * TUNING.maxRunMs + 30_000,
      1000,
    ).catch(() => undefined);
    assert.deepEqual(left(), [], 'no profiling container left on any box');
  },
);
