import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ApiClient, ApiError, clientConfig } from '../../../src/cli/client.js';
import { table } from '../../../src/cli/output.js';
import { singleManifest } from '../../support/manifests.js';
import { startHarness } from '../../support/appliance-harness.js';

describe('rim CLI: client and output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rim-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the token from RIM_ADMIN_TOKEN, else from the local data dir, never for a remote URL', () => {
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'admin-token'), 'file-token-0123456789\n');
    assert.equal(clientConfig({ RIM_ADMIN_TOKEN: 'env-token' }, dir).token, 'env-token');
    const local = clientConfig({}, dir);
    assert.equal(local.url, 'http://localhost:7878');
    assert.equal(local.token, 'file-token-0123456789');
    assert.equal(local.tokenSource, join(dir, 'data', 'admin-token'));
    assert.equal(clientConfig({ RIM_DATA_DIR: join(dir, 'data') }, '/').token, 'file-token-0123456789');
    const remote = clientConfig({ RIM_URL: 'http://10.1.2.3:7878/' }, dir);
    assert.equal(remote.url, 'http://10.1.2.3:7878');
    assert.equal(remote.token, undefined);
    assert.match(remote.tokenSource, /not local/);
    assert.match(clientConfig({ RIM_DATA_DIR: join(dir, 'nope') }, dir).tokenSource, /not readable/);
  });

  it('prints aligned tables', () => {
    assert.equal(
      table(
        [
          { a: 'x', b: 1 },
          { a: 'longer', b: null },
        ],
        [['a', 'name'], ['b']],
      ),
      'NAME    B\nx       1\nlonger  -',
    );
    assert.equal(table([], [['a']]), '(none)');
  });

  it('turns API errors into ApiError(code, message) and unreachable appliances into "unreachable"', async () => {
    const h = await startHarness();
    try {
      h.engine.addImage('rim/single:1', singleManifest());
      const ok = new ApiClient({ url: h.url, token: h.token, tokenSource: 'test' });
      assert.equal((await ok.post<{ name: string }>('/v1/apps', { image: 'rim/single:1' })).name, 'single');
      await assert.rejects(
        ok.delete('/v1/deployments/ghost'),
        (e: unknown) => e instanceof ApiError && e.code === 'not-found' && e.status === 404,
      );
      const anon = new ApiClient({ url: h.url, tokenSource: 'no token (test)' });
      await assert.rejects(
        anon.post('/v1/apps', { image: 'x' }),
        (e: unknown) =>
          e instanceof ApiError &&
          e.code === 'unauthorized' &&
          /^no admin token found .*: no token \(test\)$/.test(e.message),
      );
      const stale = new ApiClient({ url: h.url, token: 'stale-token', tokenSource: 'a stale file' });
      await assert.rejects(
        stale.post('/v1/apps', { image: 'x' }),
        (e: unknown) =>
          e instanceof ApiError &&
          e.code === 'token-rejected' &&
          /^the admin token was rejected by the appliance at .* \(token from a stale file\)/.test(e.message),
      );
    } finally {
      await h.close();
    }
    const gone = new ApiClient({ url: 'http://127.0.0.1:1', tokenSource: 'test' });
    await assert.rejects(gone.get('/v1/apps'), (e: unknown) => e instanceof ApiError && e.code === 'unreachable');
  });
});
