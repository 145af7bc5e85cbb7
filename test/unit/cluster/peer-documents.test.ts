/**
 * A replicated document is validated on receipt by the store's own schema,
 * its apps as manifests: holding the cluster token does not make a document
 * valid (a signed /propose once stored a privileged app).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { PeerSigner } from '../../../src/cluster/peer-auth.js';
import { PeerClient } from '../../../src/cluster/peer-client.js';
import { proposeSchema, raftMessageSchema } from '../../../src/cluster/peer-messages.js';
import { parseClusterDocument } from '../../../src/domain/cluster-document-schema.js';
import { ValidationError } from '../../../src/domain/errors.js';
import type { ClusterDocument } from '../../../src/domain/types.js';
import { listen, startNode, type TestNode, until } from './harness.js';

const TOKEN = 'test-cluster-token-0123456789';

const doc = (): any => ({
  version: 3,
  clusterName: 'test',
  profiles: [],
  members: [],
  apps: [
    {
      name: 'single',
      image: 'rim/single:1',
      digest: 'sha256:abc',
      registeredAt: 1,
      manifest: {
        apiVersion: 'rim/v1',
        name: 'single',
        entry: 'm',
        modules: [{ name: 'm', image: 'self', accelerator: 'cpu', next: [] }],
      },
    },
  ],
  deployments: [{ name: 'cam', app: 'single', fps: 5, latencyMs: 300, priority: 0, createdAt: 1 }],
});

/** Hostile or damaged documents, each with the field its refusal must name. */
const bad: [what: string, change: (d: any) => void, field: string][] = [
  [
    'a privileged module',
    (d) => {
      d.apps[0].manifest.modules[0].privileged = true;
    },
    'apps[0].manifest.modules[0].privileged',
  ],
  [
    'a reserved env name in lower case',
    (d) => {
      d.apps[0].manifest.modules[0].env = { rim_port: '1' };
    },
    'apps[0].manifest.modules[0].env',
  ],
  [
    'a module image Docker would refuse',
    (d) => {
      d.apps[0].manifest.modules[0].image = 'bad image ref';
    },
    'apps[0].manifest.modules[0].image',
  ],
  [
    'an app image Docker would refuse',
    (d) => {
      d.apps[0].image = 'Bad/Ref';
    },
    'apps[0].image',
  ],
  [
    'fps that makes retry-after Infinity',
    (d) => {
      d.deployments[0].fps = 5e-324;
    },
    'deployments[0].fps',
  ],
  [
    'a wrong-typed version',
    (d) => {
      d.version = '3';
    },
    'version',
  ],
  [
    'a missing list',
    (d) => {
      delete d.members;
    },
    'members',
  ],
  [
    'two apps of one name',
    (d) => {
      d.apps.push(structuredClone(d.apps[0]));
    },
    'apps[1]',
  ],
  [
    "an app under another name than its manifest's",
    (d) => {
      d.apps[0].name = 'other';
    },
    'apps[0].name',
  ],
  [
    'a value nested 20,000 deep',
    (d) => {
      let deep: unknown = 1;
      for (let i = 0; i < 20_000; i++) deep = [deep];
      d.profiles = deep;
    },
    `profiles${'[0]'.repeat(31)}`,
  ],
];

describe('replicated documents', () => {
  const nodes: TestNode[] = [];
  after(async () => {
    for (const n of nodes) await n.stop().catch(() => undefined);
  });

  it('parseClusterDocument takes a valid document (manifests re-parsed), refuses each damage naming the field', () => {
    const ok = parseClusterDocument(doc());
    assert.deepEqual(ok.apps[0]!.manifest.modules[0]!.next, []);
    for (const [what, change, field] of bad) {
      const d = doc();
      change(d);
      assert.throws(
        () => parseClusterDocument(d),
        (e: unknown) => {
          assert.ok(e instanceof ValidationError, `${what}: ${String(e)}`);
          assert.equal(e.field, field, `${what}: ${e.message}`);
          assert.ok(e.message.startsWith(`cluster document field ${field}: `), e.message);
          return true;
        },
        what,
      );
    }
  });

  it('proposals and Raft entries carry only valid documents', () => {
    assert.equal(proposeSchema.safeParse({ baseVersion: 3, doc: doc() }).success, true);
    for (const [what, change] of bad) {
      const d = doc();
      change(d);
      assert.equal(proposeSchema.safeParse({ baseVersion: 3, doc: d }).success, false, `propose: ${what}`);
      const append = {
        type: 'append',
        term: 2,
        from: 'n1',
        to: 'n2',
        head: { term: 2, index: 4 },
        commitIndex: 4,
        entry: { term: 2, index: 5, voters: ['n1', 'n2'], data: d },
      };
      assert.equal(raftMessageSchema.safeParse(append).success, false, `append: ${what}`);
    }
  });

  it('a signed /propose of a privileged app is answered 400 and stores nothing', async () => {
    const slot = await listen();
    const address = `127.0.0.1:${slot.port}`;
    const leader = await startNode('n1', TOKEN, slot, [address]);
    nodes.push(leader);
    await until('a one-node cluster', () => leader.node.isLeader && leader.node.newestDoc());
    const client = new PeerClient({ nodeId: 'n9', signer: new PeerSigner(TOKEN), now: Date.now, timeoutMs: 5000 });
    /** Proposes `change` of the leader's newest document; again when the leader's own work moved the version on. */
    const propose = async (change: (d: any) => void) => {
      for (let tries = 1; ; tries++) {
        const head = leader.node.newestDoc()!;
        const d = { ...doc(), version: head.version, members: head.members };
        change(d);
        const body = { baseVersion: head.version, doc: d };
        const answer = await client.call<any>(address, 'POST', '/v1/peer/propose', body);
        if (answer.status !== 409 || tries === 20) return answer;
      }
    };
    const refused = await propose((d) => {
      d.apps[0].manifest.modules[0].privileged = true;
    });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.match(refused.body.error.message, /privileged mode is never granted/);
    assert.deepEqual(leader.store.read().apps, [], 'nothing was stored');
    // The same document without the forbidden key is taken: the refusal was about the manifest.
    const taken = await propose(() => undefined);
    assert.equal(taken.status, 200, JSON.stringify(taken.body));
    assert.deepEqual(
      (taken.body.doc as ClusterDocument).apps.map((a) => a.name),
      ['single'],
    );
  });
});
