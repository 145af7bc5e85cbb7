/**
 * rim's edge behaviour: priorities decide who is rejected (with a reason),
 * lighter variants come before rejection, the whole DAG goes to one node
 * when it fits, latency is respected, plans are deterministic, and
 * re-planning keeps running replicas where they are.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planPlacement } from '../../../../src/domain/placement/index.js';
import type { Deployment } from '../../../../src/domain/types.js';
import { admitted, chainApp, gpuNode, NET, planValid, prof, testbed, type Workload } from './fixtures.js';

/** Two nodes, one GPU "A" each; app `cam` = decode → det (variant tiny) → cls. */
function small(
  deployments: Deployment[],
  extra: { detFps?: number; tinyFps?: number; detLat?: number } = {},
): Workload {
  return {
    cluster: { nodes: [gpuNode('n1', [['A', 8000]]), gpuNode('n2', [['A', 8000]])], network: NET },
    apps: [chainApp('cam', ['det', 'cls'], { variants: { det: 'tiny' } })],
    profiles: [
      prof('cam', 'decode', 'cpu', 200, 2),
      prof('cam', 'det', 'A', extra.detFps ?? 20, extra.detLat ?? 20),
      { ...prof('cam', 'det', 'A', extra.tinyFps ?? 60, 8), variant: 'tiny' },
      prof('cam', 'cls', 'A', 200, 3),
    ],
    deployments,
  };
}
const dep = (name: string, fps: number, priority = 0, latencyMs = 1000): Deployment => ({
  name,
  app: 'cam',
  fps,
  latencyMs,
  priority,
});

describe('rim', () => {
  it('places a DAG that fits whole on one node (and one GPU), not across nodes', () => {
    const plan = planValid(small([dep('a', 5)]), { strategy: 'rim' });
    assert.equal(new Set(plan.placements.map((p) => p.node)).size, 1);
    assert.equal(new Set(plan.placements.filter((p) => p.accelerator !== 'cpu').map((p) => p.accelerator)).size, 1);
  });

  it('rejects the lowest priority first, with a reason a person understands', () => {
    // Each deployment needs ~0.5 of a GPU at full quality; the tiny variant is not enough to fit 5.
    const ds = [dep('low', 10, 0), dep('high1', 10, 5), dep('mid', 10, 2), dep('high2', 10, 5), dep('high3', 10, 5)];
    const plan = planValid(small(ds, { tinyFps: 22 }), { strategy: 'rim' });
    const rejected = plan.rejected.map((r) => r.deployment);
    assert.ok(rejected.includes('low'), JSON.stringify(plan.rejected));
    for (const h of ['high1', 'high2', 'high3']) assert.ok(admitted(plan).has(h), `${h} admitted`);
    assert.ok(!rejected.includes('mid') || rejected.includes('low'));
    const reason = plan.rejected.find((r) => r.deployment === 'low')!.reason;
    const m = /^needs 0\.5 GPUs of A-class capacity for module det, ([\d.]+) free$/.exec(reason);
    assert.ok(m, reason);
    assert.ok(Number(m[1]) < 0.5, `${reason}: less free than needed`);
  });

  it('demotes to a lighter variant before rejecting', () => {
    // 30 fps of det at full quality needs 1.5 GPUs at 20 fps each; tiny (60 fps) fits.
    const w = small([dep('big', 30, 0, 1000)], { detFps: 10 });
    const plan = planValid(w, { strategy: 'rim' });
    assert.ok(admitted(plan).has('big'));
    const det = plan.placements.filter((p) => p.module === 'det');
    assert.ok(
      det.every((p) => p.variant === 'tiny'),
      JSON.stringify(det),
    );
    // With room for full quality it stays at full quality.
    const roomy = planValid(small([dep('easy', 4)]), { strategy: 'rim' });
    assert.ok(roomy.placements.every((p) => p.variant === undefined));
  });

  it('respects the utilisation-dependent latency estimate: a tight target keeps its GPU lightly loaded', () => {
    // det alone: 20 ms at u = 0; at 9 fps (u = 0.45 + cls) it is ~40 ms. Target 40 ms for tight, loose fill.
    const ds = [dep('tight', 4, 9, 40), dep('loose1', 8, 0), dep('loose2', 8, 0), dep('loose3', 8, 0)];
    const plan = planValid(small(ds, { tinyFps: 20 }), { strategy: 'rim' });
    assert.ok(admitted(plan).has('tight'));
    assert.ok(plan.latencyMs.tight! <= 40);
    // The GPU it shares is held where its estimate still meets 40 ms: det's share there, loaded.
    const det = plan.placements.find((p) => p.deployment === 'tight' && p.module === 'det')!;
    const base = det.variant === 'tiny' ? 8 : 20;
    const u = plan.utilisation[`${det.node}/${det.accelerator}`]!;
    assert.ok(base / (1 - u) < 40, `u=${u}`);
  });

  it('is deterministic: the same inputs give the same plan', () => {
    const tb = testbed();
    const a = planPlacement(tb.cluster, tb.apps, tb.profiles, tb.deployments, { strategy: 'rim' });
    const b = planPlacement(tb.cluster, tb.apps, tb.profiles, tb.deployments, { strategy: 'rim' });
    assert.deepEqual(a, b);
    for (const s of ['nexus', 'spread', 'ffd']) {
      assert.deepEqual(
        planPlacement(tb.cluster, tb.apps, tb.profiles, tb.deployments, { strategy: s }),
        planPlacement(tb.cluster, tb.apps, tb.profiles, tb.deployments, { strategy: s }),
      );
    }
  });

  it('fills solveMs from the injected clock only', () => {
    const tb = testbed();
    let t = 100;
    let reads = 0;
    const clock = () => {
      reads++;
      return (t += 7);
    };
    const plan = planPlacement(tb.cluster, tb.apps, tb.profiles, tb.deployments.slice(0, 3), { clock });
    // The search reads it too (its deadline); solveMs spans the first read to the last.
    assert.ok(reads >= 2);
    assert.equal(plan.solveMs, 7 * (reads - 1));
  });
});

describe('rim re-planning', () => {
  const tb = testbed();

  it('changes nothing when nothing changed', () => {
    const first = planValid(tb, { strategy: 'rim' });
    const again = planValid(tb, { strategy: 'rim' }, first);
    assert.equal(again.moves, 0);
    assert.deepEqual(again.placements, first.placements);
  });

  it('after a node is lost, moves only what was on it (minimal), and more only to admit more (default)', () => {
    const first = planValid(tb, { strategy: 'rim' });
    const count = new Map<string, number>();
    for (const p of first.placements) count.set(p.node, (count.get(p.node) ?? 0) + 1);
    const lost = [...count].sort((a, b) => b[1] - a[1])[0]![0];
    const survivors: Workload = {
      ...tb,
      cluster: { ...tb.cluster, nodes: tb.cluster.nodes.filter((n) => n.id !== lost) },
    };
    const hit = new Set(first.placements.filter((p) => p.node === lost).map((p) => p.deployment));
    const key = (p: (typeof first.placements)[number]) =>
      JSON.stringify([p.deployment, p.module, p.variant, p.node, p.accelerator]);

    const minimal = planValid(survivors, { strategy: 'rim', replan: 'minimal' }, first);
    const now = new Set(minimal.placements.map(key));
    const moved = first.placements.filter((p) => admitted(minimal).has(p.deployment) && !now.has(key(p)));
    assert.ok(
      moved.every((p) => hit.has(p.deployment)),
      `only deployments that lost a replica move: ${JSON.stringify(moved)}`,
    );
    assert.equal(minimal.moves, moved.length);
    const untouched = [...admitted(first)].filter((d) => !hit.has(d));
    assert.ok(untouched.length > 0, 'some admitted deployments lost no replica');
    for (const d of untouched) assert.ok(admitted(minimal).has(d), `${d} keeps running`);

    // Admitted fps per priority level, highest first: plans compare on this, lexicographically.
    const score = (plan: typeof first) =>
      [...new Set(tb.deployments.map((d) => d.priority ?? 0))]
        .sort((a, b) => b - a)
        .map((l) =>
          tb.deployments
            .filter((d) => (d.priority ?? 0) === l && admitted(plan).has(d.name))
            .reduce((a, d) => a + d.fps, 0),
        );
    const cmp = (a: number[], b: number[]) => {
      const i = a.findIndex((x, j) => x !== b[j]);
      return i < 0 ? 0 : Math.sign(a[i]! - b[i]!);
    };
    const dflt = planValid(survivors, { strategy: 'rim' }, first);
    assert.ok(cmp(score(dflt), score(minimal)) >= 0);
    if ((dflt.moves ?? 0) > (minimal.moves ?? 0))
      assert.equal(cmp(score(dflt), score(minimal)), 1, 'extra moves must admit more');
    else assert.deepEqual(dflt.placements, minimal.placements);
  });
});
