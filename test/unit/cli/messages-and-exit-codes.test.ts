/**
 * What an operator sees from the real `rim` command (a child process) against
 * a real appliance on a fake engine: one line per error, and an exit code per
 * outcome (0 done, 1 refused, 2 usage, 3 stored but rejected).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { pipelineManifest, singleManifest } from '../../support/manifests.js';
import { startHarness, type Harness } from '../../support/appliance-harness.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function rim(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: root,
      env: { ...process.env, RIM_ADMIN_TOKEN: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const lines = (s: string) => s.trimEnd().split('\n');

describe('rim CLI: messages and exit codes', { timeout: 60_000 }, () => {
  let h: Harness;
  let env: Record<string, string>;
  const empty = mkdtempSync(join(tmpdir(), 'rim-cli-none-'));
  const stale = mkdtempSync(join(tmpdir(), 'rim-cli-stale-'));
  writeFileSync(join(stale, 'admin-token'), 'a-stale-token-from-an-old-run\n');

  before(async () => {
    h = await startHarness({ accelerators: { emulate: [] } }); // no GPU: a GPU module cannot be placed
    h.engine.addImage('rim/pipeline:1', pipelineManifest());
    h.engine.addImage('rim/single:1', singleManifest());
    env = { RIM_URL: h.url, RIM_ADMIN_TOKEN: h.token, RIM_DATA_DIR: empty };
    assert.equal((await rim(['apps', 'add', 'rim/pipeline:1'], env)).code, 0);
    assert.equal((await rim(['apps', 'add', 'rim/single:1'], env)).code, 0);
  });
  after(async () => {
    await h?.close();
    rmSync(empty, { recursive: true, force: true });
    rmSync(stale, { recursive: true, force: true });
  });

  it('a rejected deployment exits 3 and says why in one line; an admitted one exits 0', async () => {
    const r = await rim(['deploy', 'pipeline', '--name', 'cam1'], env);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /cam1: pipeline at 10 fps, 500 ms, priority 0: rejected/);
    assert.equal(lines(r.stderr).length, 1, r.stderr);
    assert.match(r.stderr, /^error: rejected: deployment cam1 is stored but not admitted: .*needs a GPU/);
    const json = await rim(['deploy', 'pipeline', '--name', 'cam1', '--json'], env);
    assert.equal(json.code, 3, 'with --json too');
    assert.equal(JSON.parse(json.stdout).state, 'rejected');
    const ok = await rim(['deploy', 'single', '--name', 'job', '--fps', '1', '--latency', '100'], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stderr, '');
    const auto = ['deploy', 'single', '--name', 'auto-job', '--fps', 'auto', '--max-fps', '2', '--latency', '100'];
    const a = await rim(auto, env);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /auto-job: single at auto \(now 2, max 2\) fps/);
    assert.equal((await h.call('DELETE', '/v1/deployments/auto-job')).status, 200);
  });

  it('without any admin token: exit 1 and "no admin token found", naming where it looked', async () => {
    const r = await rim(['undeploy', 'job'], { RIM_URL: h.url, RIM_DATA_DIR: empty });
    assert.equal(r.code, 1);
    assert.equal(lines(r.stderr).length, 1, r.stderr);
    assert.match(
      r.stderr,
      /^error: unauthorized: no admin token found \(set RIM_ADMIN_TOKEN or run `rim token` on the box\)/,
    );
    assert.ok(r.stderr.includes(join(empty, 'admin-token')), r.stderr);
    assert.doesNotMatch(r.stderr, /rejected/);
  });

  it('with a stale token: exit 1 and "rejected by the appliance", naming where the token came from', async () => {
    const r = await rim(['undeploy', 'job'], { RIM_URL: h.url, RIM_DATA_DIR: stale });
    assert.equal(r.code, 1);
    assert.equal(lines(r.stderr).length, 1, r.stderr);
    assert.match(
      r.stderr,
      /^error: token-rejected: the admin token was rejected by the appliance at http:\/\/127\.0\.0\.1:\d+ /,
    );
    assert.ok(r.stderr.includes(`token from ${join(stale, 'admin-token')}`), r.stderr);
    assert.doesNotMatch(r.stderr, /no admin token found/);
    const wrongEnv = await rim(['undeploy', 'job'], { RIM_URL: h.url, RIM_ADMIN_TOKEN: 'not-the-token' });
    assert.match(wrongEnv.stderr, /^error: token-rejected: .*\(token from RIM_ADMIN_TOKEN\)/);
    assert.equal((await h.call('GET', '/v1/deployments/job')).status, 200, 'nothing was removed');
  });

  it('usage errors exit 2 with one line, not the whole usage text', async () => {
    const usage = [
      ['deploy', 'single'],
      ['deploy', 'single', '--name', 'x', '--fps', 'lots'],
      ['deploy', 'single', '--name', 'x', '--fps', 'auto'],
      ['deploy', 'single', '--name', 'x', '--fps', '3', '--max-fps', '5'],
      ['deploy', 'single', '--name', 'x', '--fps', 'auto', '--max-fps', '0'],
      ['nonsense'],
    ];
    for (const args of usage) {
      const r = await rim(args, env);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(lines(r.stderr).length, 1, `${args.join(' ')}:\n${r.stderr}`);
      assert.match(r.stderr.trimEnd(), /^error: .*\(see --help\)$/);
      assert.doesNotMatch(r.stderr, /Usage:/);
    }
  });
});
