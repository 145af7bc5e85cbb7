import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from '../../support/appliance-harness.js';

describe('API: DELETE /v1/cluster/members/:id', () => {
  it('on a box without a cluster there is nothing to remove', async () => {
    const h = await startHarness();
    try {
      const r = await h.call('DELETE', '/v1/cluster/members/other');
      assert.equal(r.status, 400);
      assert.match(r.body.error.message, /no cluster token/);
      assert.equal((await h.call('DELETE', '/v1/cluster/members/other', undefined, { token: null })).status, 401);
    } finally {
      await h.close();
    }
  });

  it('in a cluster the leader refuses to remove itself and names an unknown member', async () => {
    const h = await startHarness({
      cluster: { token: 'unit-cluster-token-0123456789', discovery: { mdns: false, peers: [] } },
    } as never);
    try {
      // A lone box founds its cluster after its discovery grace; wait until it leads.
      for (let i = 0; i < 100; i++) {
        const c = (await h.call('GET', '/v1/cluster')).body;
        if (c.leader === 'unit-node') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal((await h.call('GET', '/v1/cluster')).body.leader, 'unit-node');
      const self = await h.call('DELETE', '/v1/cluster/members/unit-node');
      assert.equal(self.status, 409);
      const ghost = await h.call('DELETE', '/v1/cluster/members/ghost');
      assert.equal(ghost.status, 404);
      assert.match(ghost.body.error.message, /"ghost" is not a member/);
    } finally {
      await h.close();
    }
  });
});
