import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../../support/appliance-harness.js';

describe('API: PUT /v1/plan/strategy', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ placement: { strategy: 'spread' } });
  });
  after(() => h.close());

  it("starts at the config's strategy and switches this box's at run time", async () => {
    assert.deepEqual((await h.call('GET', '/v1/plan/strategy')).body, { node: 'unit-node', strategy: 'spread' });
    const r = await h.call('PUT', '/v1/plan/strategy', { strategy: 'nexus' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { node: 'unit-node', strategy: 'nexus' });
    assert.equal((await h.call('GET', '/v1/plan/strategy')).body.strategy, 'nexus');
  });

  it('refuses what the appliance cannot run, naming the field, and needs the admin token', async () => {
    for (const strategy of ['optimal', 'fastest', 3]) {
      const r = await h.call('PUT', '/v1/plan/strategy', { strategy });
      assert.equal(r.status, 400, JSON.stringify(strategy));
      assert.equal(r.body.error.field, 'strategy');
    }
    assert.equal((await h.call('PUT', '/v1/plan/strategy', { strategy: 'rim' }, { token: null })).status, 401);
    assert.equal((await h.call('GET', '/v1/plan/strategy')).body.strategy, 'nexus');
  });
});
