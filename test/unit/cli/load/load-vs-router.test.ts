/**
 * `rim load`'s counts match the router's: the real command against an
 * appliance on a fake engine (its replicas never answer, so admitted frames
 * end 503), sending three times the admitted rate. What it sent, its 429s
 * and its 503s equal the router's measured counts in GET /v1/deployments/{name}.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { singleManifest } from '../../../support/manifests.js';
import { startHarness, type Harness } from '../../../support/appliance-harness.js';

const root = fileURLToPath(new URL('../../../..', import.meta.url));

function rim(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('rim load against the router', { timeout: 60_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    h.engine.addImage('rim/single:1', singleManifest());
    assert.equal((await h.call('POST', '/v1/apps', { image: 'rim/single:1' })).status, 201);
    const d = await h.call('POST', '/v1/deployments', { name: 'job', app: 'single', fps: 2, latencyMs: 300 });
    assert.equal(d.status, 201, JSON.stringify(d.body));
  });
  after(() => h.close());

  it('counts what the router counts: sent, 429s, 503s', async () => {
    const r = await rim(['load', 'job', '--fps', '6', '--duration', '2', '--json'], {
      RIM_URL: h.url,
      RIM_ADMIN_TOKEN: h.token,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /above the 2 fps admitted/);
    const mine = JSON.parse(r.stdout);
    assert.equal(mine.sent, 12);
    assert.ok(mine.rateLimited > 0, 'some were over the admitted rate');
    const router = (await h.call('GET', '/v1/deployments/job')).body.measured.frames;
    const total = Object.values(router as Record<string, number>).reduce((a, b) => a + b, 0);
    assert.equal(total, mine.sent);
    assert.equal(router['rate-limited'], mine.rateLimited);
    assert.equal(router.unavailable + router['deadline-missed'], mine.unavailable);
    assert.equal(router.ok, mine.inTime + mine.late);
  });
});
