/** The cluster's changes on the event stream: role and leader, member states, newly committed plans. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { publishClusterEvents } from '../../../src/cluster/cluster-events.js';
import type { Role } from '../../../src/domain/election/types.js';
import type { ClusterDocument, Member, Plan } from '../../../src/domain/types.js';

const member = (id: string, state: Member['state']): Member => ({
  id,
  address: `${id}:1`,
  joinedAt: 0,
  lastSeen: 0,
  state,
});
const plan = (nodes: string[]): Plan => ({
  strategy: 'rim',
  placements: nodes.map((node) => ({ deployment: 'cam', module: 'm', node, accelerator: 'cpu', fps: 1 })),
  rejected: [],
  latencyMs: {},
  utilisation: {},
  solveMs: 1,
});
const doc = (version: number, members: Member[], p?: Plan): ClusterDocument => ({
  version,
  clusterName: 'c',
  apps: [],
  deployments: [],
  profiles: [],
  members,
  ...(p ? { plan: p } : {}),
});

describe('cluster events', () => {
  it('publishes role changes, member state changes and new plans, each once', async () => {
    let role!: (r: Role, t: number, l: string | null) => void;
    let commit!: (d: ClusterDocument) => void | Promise<void>;
    const got: string[] = [];
    publishClusterEvents(
      {
        onRole: (fn) => {
          role = fn;
        },
        onCommitted: (fn) => {
          commit = fn;
        },
      },
      (type, action) => got.push(`${type}:${action}`),
      doc(1, [member('a', 'alive')], plan(['a'])),
    );
    role('leader', 2, 'a');
    await commit(doc(2, [member('a', 'alive'), member('b', 'alive')], plan(['a'])));
    await commit(doc(3, [member('a', 'alive'), member('b', 'suspect')], plan(['a'])));
    await commit(doc(4, [member('a', 'alive'), member('b', 'dead')], plan(['a', 'a'])));
    await commit(doc(5, [member('a', 'alive')], plan(['a', 'a'])));
    assert.deepEqual(got, [
      'cluster:leader',
      'member:joined',
      'member:suspect',
      'member:dead',
      'plan:committed',
      'member:removed',
    ]);
  });
});
