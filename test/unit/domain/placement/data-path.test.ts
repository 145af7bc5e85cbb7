/**
 * The latency estimate follows the router's data path: the box that receives
 * a frame calls every module out and back (src/router/frame-router.ts), so a
 * module on another box costs its request and answer over that link and a
 * round trip; the entry box is a node of the entry module's shares (the worst
 * of them); links come from `links` where given, else the default network.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimateLatency, type Share } from '../../../../src/domain/placement/latency.js';
import { buildProblem, hopCostMs, worstHopCostMs } from '../../../../src/domain/placement/problem.js';
import { rng } from '../../../../src/domain/placement/workload-gen.js';
import { validatePlan } from '../../../../src/domain/placement/validator.js';
import type { ClusterSpec, Placement, Plan } from '../../../../src/domain/types.js';
import { chainApp, gpuNode, prof } from './fixtures.js';

const SLOW = { bandwidthMbps: 100, rttMs: 20 };
const profiles = [
  prof('app', 'decode', 'cpu', 100, 4, { cpuCores: 1 }),
  prof('app', 'det', 'A', 50, 10),
  prof('app', 'post', 'A', 50, 10),
];
// decode (cpu) → det (gpu) → post (gpu), 100 KB between modules; clients send 50 KB frames.
const app = { ...chainApp('app', ['det', 'post']), inputKB: 50 };
const cluster = (links?: ClusterSpec['links']): ClusterSpec => ({
  nodes: [gpuNode('n1', [['A', 8000]]), gpuNode('n2', [['A', 8000]])],
  network: SLOW,
  ...(links ? { links } : {}),
});
const problem = (c: ClusterSpec, target = 1000) =>
  buildProblem(c, [app], profiles, [{ name: 'd', app: 'app', fps: 1, latencyMs: target }]);
const row = (module: string, node: string, accelerator: string): Placement => ({
  deployment: 'd',
  module,
  node,
  accelerator,
  fps: 1,
});
/** decode on n1 (where frames arrive), det and post on n2: every call to them goes n1 → n2 → n1. */
const split = [row('decode', 'n1', 'cpu'), row('det', 'n2', 'n2-gpu0'), row('post', 'n2', 'n2-gpu0')];

const work = 4 + 10 / (1 - 1 / 50 - 1 / 50) + 10 / (1 - 2 / 50); // both GPU modules share n2's GPU
/** Old model: one cross-node edge (decode → det, decode's 100 KB) and a round trip. */
const oldEstimate = work + (100 * 8) / 100 + 20;
/** The router's path: det and post each get their request and answer over n1–n2 and a round trip. */
const newEstimate = work + ((100 + 100) * 8) / 100 + 20 + ((100 + 100) * 8) / 100 + 20;

const shares = (p: ReturnType<typeof problem>, rows: Placement[]): Share[] =>
  rows.map((r) => {
    const node = p.nodes.find((n) => n.id === r.node)!;
    const slot = r.accelerator === 'cpu' ? node.cpuSlot : node.gpuSlots[0]!;
    return {
      dep: 0,
      module: p.apps.get('app')!.modules.findIndex((m) => m.name === r.module),
      variant: 'default',
      slot,
      fps: 1,
    };
  });
const plan = (placements: Placement[], latencyMs: number): Plan => ({
  strategy: 'hand',
  placements,
  rejected: [],
  latencyMs: { d: latencyMs },
  utilisation: {},
  solveMs: 0,
});

describe('the latency estimate follows the data path', () => {
  it('counts each module away from the entry box out and back, not each cross-node edge', () => {
    const p = problem(cluster());
    const util = (s: number) => (p.slots[s]!.gpu ? 2 / 50 : 1 / 100 / 8);
    const est = estimateLatency(p, p.apps.get('app')!, shares(p, split), () => 0);
    assert.ok(Math.abs(est - (4 + 10 + 10 + 2 * (16 + 20))) < 1e-9, `unloaded: ${est}`);
    assert.ok(estimateLatency(p, p.apps.get('app')!, shares(p, split), util) > oldEstimate);
  });

  it('a plan that fits only when transfers are counted per edge is refused for latency', () => {
    const target = Math.round((oldEstimate + newEstimate) / 2);
    assert.ok(oldEstimate < target && target < newEstimate);
    const p = problem(cluster(), target);
    const v = validatePlan(p, plan(split, oldEstimate));
    assert.ok(
      v.some((x) => x.rule === 'latency'),
      `target ${target} ms, old ${oldEstimate.toFixed(1)}, new ${newEstimate.toFixed(1)}: ${JSON.stringify(v)}`,
    );
    // The same modules all on n2 (entry there too): no hop, within the target.
    const local = [row('decode', 'n2', 'cpu'), row('det', 'n2', 'n2-gpu0'), row('post', 'n2', 'n2-gpu0')];
    const est = estimateLatency(p, p.apps.get('app')!, shares(p, local), () => 0);
    assert.ok(est < target, `all on one box: ${est}`);
  });

  it("the entry module's request is the client's frame (inputKB), and its split makes the worst entry count", () => {
    const p = problem(cluster());
    // decode on both boxes: a frame received on n1 sends its n2 share the 50 KB frame and gets 100 KB back.
    const rows = [row('decode', 'n1', 'cpu'), row('decode', 'n2', 'cpu'), row('det', 'n1', 'n1-gpu0')];
    rows.push(row('post', 'n1', 'n1-gpu0'));
    const est = estimateLatency(p, p.apps.get('app')!, shares(p, rows), () => 0);
    // Either entry box sends the other box's decode share the 50 KB frame and gets 100 KB back (36 ms with
    // its 4 ms); from n2, det and post on n1 also go out and back (200 KB + rtt each): n2 is the worst.
    const decode = 4 + ((50 + 100) * 8) / 100 + 20;
    const viaN1 = decode + 10 + 10;
    const viaN2 = decode + 2 * (10 + (200 * 8) / 100 + 20);
    assert.ok(Math.abs(est - Math.max(viaN1, viaN2)) < 1e-9, `${est} vs ${viaN1} / ${viaN2}`);
  });

  it('a link given in `links` replaces the default network for that pair', () => {
    const fast = { a: 'n2', b: 'n1', bandwidthMbps: 10_000, rttMs: 0.1 };
    const p = problem(cluster([fast]));
    const est = estimateLatency(p, p.apps.get('app')!, shares(p, split), () => 0);
    assert.ok(Math.abs(est - (24 + 2 * ((200 * 8) / 10_000 + 0.1))) < 1e-9, String(est));
  });

  it('the worst hop of a module is the worst over every pair of distinct nodes, links given or not', (t) => {
    const seed = 20_241_130;
    t.diagnostic(`seed ${seed}`);
    const random = rng(seed);
    for (let run = 0; run < 60; run++) {
      const n = 1 + Math.floor(random() * 6);
      const ids = Array.from({ length: n }, (_, i) => `n${i + 1}`);
      const links: NonNullable<ClusterSpec['links']> = [];
      for (const a of ids)
        for (const b of ids)
          if (a < b && random() < 0.4)
            links.push({ a, b, bandwidthMbps: [10, 100, 1000][Math.floor(random() * 3)]!, rttMs: random() * 30 });
      const c: ClusterSpec = { nodes: ids.map((id) => gpuNode(id, [['A', 8000]])), network: SLOW, links };
      const p = buildProblem(c, [app], profiles, [{ name: 'd', app: 'app', fps: 1, latencyMs: 1000 }]);
      for (const mod of p.apps.get('app')!.modules) {
        let brute = 0;
        for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) brute = Math.max(brute, hopCostMs(p, mod, a, b));
        assert.equal(worstHopCostMs(p, mod), brute, `run ${run}: ${n} nodes, links ${JSON.stringify(links)}`);
      }
    }
  });
});
