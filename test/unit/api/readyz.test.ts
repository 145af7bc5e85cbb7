/** /readyz tells the truth about the data dir: an appliance that cannot write its state is not ready. */
import assert from 'node:assert/strict';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { eventually, startHarness } from '../../support/appliance-harness.js';

describe('/readyz', () => {
  it('reports a data dir that cannot be written (not ready, with the reason), ready again once it can', async () => {
    const h = await startHarness();
    const moved = `${h.dataDir}.moved`;
    try {
      const ok = await h.call('GET', '/readyz', undefined, { token: null });
      assert.equal(ok.status, 200);
      assert.equal(ok.body.store, 'loaded');
      // Root ignores file modes: a file where the data dir was makes every write fail, for any user.
      renameSync(h.dataDir, moved);
      writeFileSync(h.dataDir, 'not a directory');
      const bad = await eventually(async () => {
        const r = await h.call('GET', '/readyz', undefined, { token: null });
        return r.status === 503 ? r : undefined;
      }, '/readyz to say not ready');
      assert.ok(bad);
      assert.equal(bad.body.ready, false);
      assert.equal(bad.body.store, 'not-writable');
      // A file where the data dir was: a write under it fails with ENOTDIR (not ENOENT: the path exists).
      assert.equal(bad.body.reason, `data dir ${h.dataDir} is not writable (ENOTDIR)`);
      rmSync(h.dataDir);
      renameSync(moved, h.dataDir);
      const status = async () => (await h.call('GET', '/readyz', undefined, { token: null })).status;
      await eventually(async () => (await status()) === 200, 'ready again');
    } finally {
      rmSync(moved, { recursive: true, force: true });
      await h.close();
    }
  });
});
