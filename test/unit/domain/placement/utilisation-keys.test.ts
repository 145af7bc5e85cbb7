/**
 * The plan's `utilisation` is keyed by node and accelerator ("<node>/<accelerator>"):
 * every emulated box has an accelerator `emu0`, so a key of the accelerator id
 * alone made two boxes' figures overwrite each other.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseClusterFile } from '../../../../src/domain/placement/plan-files.js';
import { buildProblem } from '../../../../src/domain/placement/problem.js';
import { splitUtilisationKey, utilisationKey } from '../../../../src/domain/placement/utilisation-key.js';
import { validatePlan } from '../../../../src/domain/placement/validator.js';
import { chainApp, NET, planValid, prof, type Workload } from './fixtures.js';

const emuBox = (id: string) => ({
  id,
  cpus: 8,
  memoryMB: 32768,
  accelerators: [{ id: 'emu0', model: 'A', memoryMB: 8000, emulated: true, cpus: 2 }],
});

// 10 + 16 fps of a 20 fps module: no one emu0 holds both, so each box's emu0 carries a different load.
const twoBoxes = (): Workload => ({
  cluster: { nodes: [emuBox('box-a'), emuBox('box-b')], network: NET },
  apps: [chainApp('app', ['det'])],
  profiles: [prof('app', 'decode', 'cpu', 100, 4, { cpuCores: 1 }), prof('app', 'det', 'A', 20, 20)],
  deployments: [
    { name: 'd1', app: 'app', fps: 10, latencyMs: 500 },
    { name: 'd2', app: 'app', fps: 16, latencyMs: 500 },
  ],
});

describe('plan utilisation keys', () => {
  it("reports each box's emu0 on its own, both matching the placements on it", () => {
    const w = twoBoxes();
    const plan = planValid(w, { strategy: 'rim' });
    assert.deepEqual(plan.rejected, []);
    const loads = new Map<string, number>();
    for (const p of plan.placements.filter((x) => x.module === 'det')) {
      const k = utilisationKey(p.node, p.accelerator);
      loads.set(k, (loads.get(k) ?? 0) + p.fps / 20);
    }
    assert.deepEqual([...loads.keys()].sort(), ['box-a/emu0', 'box-b/emu0']);
    for (const [k, u] of loads) assert.ok(Math.abs(plan.utilisation[k]! - u) < 1e-3, `${k}: ${plan.utilisation[k]}`);
    assert.notEqual(plan.utilisation['box-a/emu0'], plan.utilisation['box-b/emu0']);
    assert.equal(plan.utilisation.emu0, undefined, 'no key without its node');
    assert.ok(plan.utilisation['box-a/cpu']! > 0 || plan.utilisation['box-b/cpu']! > 0);
  });

  it('the validator refuses a report keyed by the accelerator id alone', () => {
    const w = twoBoxes();
    const plan = planValid(w, { strategy: 'rim' });
    const { 'box-a/emu0': a, 'box-b/emu0': b, ...rest } = plan.utilisation;
    const old = { ...plan, utilisation: { ...rest, emu0: b! } };
    const v = validatePlan(buildProblem(w.cluster, w.apps, w.profiles, w.deployments), old);
    assert.ok(a !== undefined);
    assert.ok(
      v.some((x) => x.rule === 'report' && x.message.startsWith('box-a/emu0')),
      JSON.stringify(v),
    );
  });

  it('a cluster file may repeat an accelerator id across nodes, not within one, and refuses "/" in one', () => {
    const file = (nodes: unknown[]) => JSON.stringify({ nodes, network: NET });
    assert.equal(parseClusterFile(file([emuBox('box-a'), emuBox('box-b')])).nodes.length, 2);
    const twice = { ...emuBox('box-a'), accelerators: [...emuBox('x').accelerators, ...emuBox('y').accelerators] };
    assert.throws(() => parseClusterFile(file([twice])), /duplicate accelerator id "emu0"/);
    const slash = { ...emuBox('box-a'), accelerators: [{ id: 'gpu/0', model: 'A', memoryMB: 1 }] };
    assert.throws(() => parseClusterFile(file([slash])), /no "\/" in an accelerator id/);
  });

  it('splits a key at its last "/"; a key without a node names none', () => {
    assert.deepEqual(splitUtilisationKey('box-a/emu0'), { node: 'box-a', accelerator: 'emu0' });
    assert.deepEqual(splitUtilisationKey('rack/box-a/cpu'), { node: 'rack/box-a', accelerator: 'cpu' });
    assert.equal(splitUtilisationKey('emu0'), undefined);
    assert.equal(splitUtilisationKey('/emu0'), undefined);
  });
});
