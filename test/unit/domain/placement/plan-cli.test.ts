/**
 * Plan files and `rim plan`: errors name the file and the field (exit 2),
 * and the command prints a valid plan for every strategy on the paper
 * testbed, reading no Docker and no network.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runPlan } from '../../../../src/cli/commands/plan.js';
import { ValidationError } from '../../../../src/domain/errors.js';
import { STRATEGIES } from '../../../../src/domain/placement/index.js';
import { lpUpperBound } from '../../../../src/domain/placement/lp-bound.js';
import {
  parseAppsFile,
  parseClusterFile,
  parseDeploymentsFile,
  parsePlanFile,
  parseProfilesFile,
} from '../../../../src/domain/placement/plan-files.js';
import { buildProblem } from '../../../../src/domain/placement/problem.js';
import { validatePlan } from '../../../../src/domain/placement/validator.js';
import { milpSolver, TESTBED_DIR, testbed } from './fixtures.js';

const files = {
  cluster: join(TESTBED_DIR, 'cluster.json'),
  apps: join(TESTBED_DIR, 'apps.json'),
  profiles: join(TESTBED_DIR, 'profiles.json'),
  deployments: join(TESTBED_DIR, 'deployments.json'),
};
const tmp = mkdtempSync(join(tmpdir(), 'rim-plan-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function throwsNaming(fn: () => unknown, file: string, field: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ValidationError, String(e));
    assert.ok(e.message.startsWith(`${file}: `), e.message);
    assert.match(e.message, field);
    return true;
  });
}

describe('plan files', () => {
  it('name the file and the field of what is wrong', () => {
    throwsNaming(
      () => parseDeploymentsFile('[{"name":"a","app":"x","fps":0,"latencyMs":10}]', 'd.json'),
      'd.json',
      /\[0\]\.fps/,
    );
    throwsNaming(
      () =>
        parseDeploymentsFile(
          '[{"name":"a","app":"x","fps":1,"latencyMs":10},{"name":"a","app":"x","fps":1,"latencyMs":10}]',
          'd.json',
        ),
      'd.json',
      /\[1\]\.name: duplicate/,
    );
    throwsNaming(
      () =>
        parseClusterFile(
          '{"nodes":[{"id":"n","cpus":4,"memoryMB":1,"accelerators":[{"id":"g","model":"A"}]}],' +
            '"network":{"bandwidthMbps":1,"rttMs":0}}',
          'c.json',
        ),
      'c.json',
      /nodes\[0\]\.accelerators\[0\]\.memoryMB/,
    );
    throwsNaming(
      () => parseClusterFile('{"nodes":[],"network":{"bandwidthMbps":1,"rttMs":0},"extra":1}', 'c.json'),
      'c.json',
      /extra: unknown field/,
    );
    throwsNaming(
      () => parseProfilesFile('[{"app":"a","module":"m","accelerator":"A","maxFps":-1,"latencyMs":1}]', 'p.json'),
      'p.json',
      /\[0\]\.maxFps/,
    );
    throwsNaming(
      () =>
        parseAppsFile(
          '[{"apiVersion":"rim/v1","name":"x","entry":"a",' +
            '"modules":[{"name":"a","accelerator":"gpu","privileged":true}]}]',
          'a.json',
        ),
      'a.json',
      /\[0\] manifest field modules\[0\]\.privileged/,
    );
    throwsNaming(() => parseAppsFile('{not json', 'a.json'), 'a.json', /not valid JSON/);
  });

  it('read the paper testbed', () => {
    const tb = testbed();
    assert.equal(tb.cluster.nodes.length, 8);
    assert.equal(tb.apps.length, 5);
    assert.ok(tb.apps.every((a) => a.modules.every((m) => m.frameKB !== undefined)));
    assert.equal(tb.deployments.length, 24);
  });
});

describe('rim plan', () => {
  // Every strategy of the registry, so a new one is tested here too.
  for (const strategy of STRATEGIES.keys()) {
    it(`prints a valid plan for the paper testbed with --strategy ${strategy}`, async () => {
      let out = '';
      await runPlan({ ...files, strategy, timeLimit: '3000' }, (s) => {
        out += s;
      });
      const plan = parsePlanFile(out);
      const tb = testbed();
      const p = buildProblem(tb.cluster, tb.apps, tb.profiles, tb.deployments);
      assert.deepEqual(validatePlan(p, plan), []);
      assert.equal(plan.strategy, strategy);
      assert.ok(plan.placements.length > 0);
      assert.ok(plan.solveMs > 0);
      // No plan admits more than the capacity-only LP bound.
      const fps = tb.deployments
        .filter((d) => plan.placements.some((x) => x.deployment === d.name))
        .reduce((a, d) => a + d.fps, 0);
      assert.ok(fps <= lpUpperBound(p, await milpSolver()).fps + 1e-6);
    });
  }

  it("--bound adds the latency-aware bound and the plan's share of it", async () => {
    let out = '';
    await runPlan({ ...files, strategy: 'rim', bound: true }, (s) => {
      out += s;
    });
    const { bound } = JSON.parse(out) as {
      bound: { admittedFps: number; boundFps: number; priorityBoundFps: number; shareOfBound: number };
    };
    const tb = testbed();
    const fps = tb.deployments
      .filter((d) => !out.includes(`"deployment": "${d.name}",\n      "reason"`))
      .reduce((a, d) => a + d.fps, 0);
    assert.equal(bound.admittedFps, fps);
    assert.ok(bound.boundFps >= bound.admittedFps && bound.priorityBoundFps <= bound.boundFps);
    // Below the capacity-only LP bound: latency targets bind on the testbed.
    const p = buildProblem(tb.cluster, tb.apps, tb.profiles, tb.deployments);
    assert.ok(bound.boundFps < lpUpperBound(p, await milpSolver()).fps);
    assert.equal(bound.shareOfBound, Number((bound.admittedFps / bound.boundFps).toFixed(4)));
  });

  it('the command exits 2 naming the file and field of a bad file, and prints JSON when all is well', () => {
    const bad = join(tmp, 'deployments.json');
    writeFileSync(bad, JSON.stringify([{ name: 'cam', app: 'face', fps: 10, latencyMs: -5 }]));
    const cli = (deployments: string, extra: string[] = []) =>
      spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          'src/cli/main.ts',
          'plan',
          '--cluster',
          files.cluster,
          '--apps',
          files.apps,
          '--profiles',
          files.profiles,
          '--deployments',
          deployments,
          ...extra,
        ],
        { encoding: 'utf8', timeout: 60000 },
      );
    const r = cli(bad);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\[0\\]\\.latencyMs`));
    const unknown = cli(files.deployments, ['--strategy', 'magic']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /--strategy: unknown "magic"/);
    const ok = cli(files.deployments, ['--headroom', '0.2']);
    assert.equal(ok.status, 0, ok.stderr);
    const plan = parsePlanFile(ok.stdout, 'stdout');
    assert.equal(plan.strategy, 'rim');
    assert.ok(Object.values(plan.utilisation).every((u) => u <= 0.8 + 1e-9));
  });
});
