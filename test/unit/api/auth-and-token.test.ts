import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { bearerToken, tokenMatches } from '../../../src/http/bearer-token.js';
import { createLogger } from '../../../src/log.js';
import { singleManifest } from '../../support/manifests.js';
import { startHarness } from '../../support/appliance-harness.js';

describe('admin token and auth', () => {
  it('compares tokens exactly and reads only a Bearer header', () => {
    assert.equal(tokenMatches('abc', 'abc'), true);
    assert.equal(tokenMatches('abd', 'abc'), false);
    assert.equal(tokenMatches('abcd', 'abc'), false);
    assert.equal(tokenMatches(undefined, 'abc'), false);
    assert.equal(bearerToken('Bearer xyz'), 'xyz');
    assert.equal(bearerToken('bearer xyz '), 'xyz');
    assert.equal(bearerToken('Basic xyz'), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });

  it('needs the token for every change; reads are open by default; probes always', async () => {
    const h = await startHarness();
    try {
      h.engine.addImage('rim/single:1', singleManifest());
      for (const [method, path, body] of [
        ['POST', '/v1/apps', { image: 'rim/single:1' }],
        ['DELETE', '/v1/apps/single', undefined],
        ['POST', '/v1/deployments', { name: 'a', app: 'single', fps: 1, latencyMs: 1 }],
        ['DELETE', '/v1/deployments/a', undefined],
      ] as const) {
        const none = await h.call(method, path, body, { token: null });
        assert.equal(none.status, 401, `${method} ${path}`);
        assert.equal(none.body.error.code, 'unauthorized');
        assert.match(none.body.error.message, /changes need the admin token/);
        const wrong = await h.call(method, path, body, { token: 'wrong-token-wrong-token' });
        assert.equal(wrong.status, 401, `${method} ${path} with a wrong token`);
        assert.equal(wrong.body.error.code, 'token-rejected');
        assert.match(wrong.body.error.message, /admin token was rejected/);
      }
      assert.equal((await h.call('GET', '/v1/apps')).body.length, 0, 'nothing was registered without the token');
      assert.equal((await h.call('POST', '/v1/apps', { image: 'rim/single:1' })).status, 201);
      assert.equal((await h.call('GET', '/v1/apps', undefined, { token: null })).status, 200);
      // The token never shows in the API.
      for (const p of ['/v1/cluster', '/v1/nodes', '/v1/nodes/unit-node', '/readyz', '/metrics', '/v1/apps']) {
        const r = await h.call('GET', p, undefined, { token: null });
        assert.ok(!r.text.includes(h.token), p);
      }
    } finally {
      await h.close();
    }
  });

  it('closes reads when api.openReads is false (probes stay open)', async () => {
    const h = await startHarness({ api: { openReads: false } });
    try {
      assert.equal((await h.call('GET', '/v1/apps', undefined, { token: null })).status, 401);
      assert.equal((await h.call('GET', '/metrics', undefined, { token: null })).status, 401);
      assert.equal((await h.call('GET', '/v1/apps')).status, 200);
      assert.equal((await h.call('GET', '/healthz', undefined, { token: null })).status, 200);
      assert.equal((await h.call('GET', '/readyz', undefined, { token: null })).status, 200);
    } finally {
      await h.close();
    }
  });

  it('generates the token once (mode 0600), never logs it, says how to show it, keeps it on restart', async () => {
    const first = await startHarness();
    const { dataDir, token } = first;
    await first.close({ keepData: true });
    assert.equal(statSync(join(dataDir, 'admin-token')).mode & 0o777, 0o600);
    assert.ok(!first.logs.some((l) => l.includes(token)), 'not in the log (docker logs keeps it forever)');
    const hint = first.logs.filter((l) => l.includes('admin token generated; show it with `rim token`'));
    assert.equal(hint.length, 1, 'the operator is told how to get it');
    assert.ok(hint[0]!.includes(join(dataDir, 'admin-token')), hint[0]);
    const second = await startHarness({}, { dataDir });
    try {
      assert.equal(second.token, token);
      assert.ok(
        !second.logs.some((l) => l.includes('admin token generated') || l.includes(token)),
        'nothing about it on a restart',
      );
      assert.equal((await second.call('GET', '/readyz')).body.node, 'unit-node');
      // `rim token` (as `docker exec rim rim token`) prints it from the data dir, and nothing else on stdout.
      const shown = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'token'], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, RIM_DATA_DIR: dataDir },
        timeout: 30_000,
      });
      assert.equal(shown.status, 0, shown.stderr);
      assert.equal(shown.stdout, `${token}\n`);
    } finally {
      await second.close();
    }
  });

  it('`rim token` says where it looked when there is no token; RIM_ADMIN_TOKEN wins, as for the appliance', () => {
    const args = ['--import', 'tsx', 'src/cli/main.ts', 'token'];
    const rim = (env: Record<string, string>) =>
      spawnSync(process.execPath, args, { encoding: 'utf8', env: { PATH: process.env.PATH, ...env }, timeout: 30e3 });
    const none = rim({ RIM_DATA_DIR: '/nonexistent-rim-data' });
    assert.equal(none.status, 1);
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /no admin token at \/nonexistent-rim-data\/admin-token \(ENOENT\)/);
    const configured = rim({ RIM_DATA_DIR: '/nonexistent-rim-data', RIM_ADMIN_TOKEN: 'configured-token-0123456789' });
    assert.equal(configured.status, 0, configured.stderr);
    assert.equal(configured.stdout, 'configured-token-0123456789\n');
  });

  it('uses RIM_ADMIN_TOKEN (config adminToken) when given, and never logs it', async () => {
    const h = await startHarness({ adminToken: 'configured-token-0123456789' });
    try {
      assert.equal(h.token, 'configured-token-0123456789');
      assert.equal((await h.call('POST', '/v1/apps', { image: 'rim/x:1' })).status, 404); // past auth, image unknown
      assert.ok(!h.logs.some((l) => l.includes('configured-token-0123456789')));
    } finally {
      await h.close();
    }
  });

  it('the logger redacts tokens and authorization headers', () => {
    const lines: string[] = [];
    const log = createLogger({
      destination: new Writable({
        write(c, _e, cb) {
          lines.push(String(c));
          cb();
        },
      }) as never,
    });
    log.info(
      {
        token: 's1',
        cluster: { token: 's2' },
        config: { adminToken: 's3', cluster: { token: 's4' } },
        req: { headers: { authorization: 'Bearer s5' } },
        clusterToken: 's6',
      },
      'hello',
    );
    const line = lines.join('');
    for (const s of ['s1', 's2', 's3', 's4', 's5', 's6'])
      assert.ok(!line.includes(`"${s}"`) && !line.includes(`Bearer ${s}`), `${s} leaked: ${line}`);
    assert.match(line, /\[redacted\]/);
  });
});
