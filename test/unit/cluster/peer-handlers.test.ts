/**
 * The peer API's failures take the one error path: handlers throw typed
 * errors and the peer server answers `{error:{code,message}}` with the same
 * status codes as before (403 forbidden, 503 not-leader and retry, 400
 * invalid), signed like every answer; unexpected errors are a 500 that
 * keeps its details in the log.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import express from 'express';
import { emptyDocument } from '../../../src/adapters/lowdb-store.js';
import type { ClusterView } from '../../../src/cluster/cluster-view.js';
import { LeaderWork } from '../../../src/cluster/leader-work.js';
import { PEER_HEADERS, PeerSigner } from '../../../src/cluster/peer-auth.js';
import { PeerClient } from '../../../src/cluster/peer-client.js';
import { peerHandlers } from '../../../src/cluster/peer-handlers.js';
import { createPeerRouter, PEER_BASE } from '../../../src/cluster/peer-server.js';
import { UnavailableError } from '../../../src/domain/errors.js';
import type { RaftState } from '../../../src/domain/election/types.js';
import type { Entry } from '../../../src/domain/replication/entry.js';
import type { ClusterDocument } from '../../../src/domain/types.js';
import { createLogger } from '../../../src/log.js';

const TOKEN = 'peer-handlers-test-token-0123';
const signer = new PeerSigner(TOKEN);
interface ErrorAnswer {
  error: { code: string; message: string };
}

const status = { name: 'test', self: 'n1', role: 'follower', leader: null, term: 1, committedIndex: 0, members: [] };

/** A view whose leadership, document and proposals the test controls. */
function fakeView() {
  const doc: ClusterDocument = { ...emptyDocument('test'), version: 3 };
  const state = {
    leader: false,
    leaderId: null as string | null,
    doc,
    proposeError: undefined as Error | undefined,
    /** The log holds no document yet. */
    empty: false,
  };
  const entry = (data: ClusterDocument): Entry<ClusterDocument> => ({ term: 1, index: data.version, voters: [], data });
  const snapshot = () => ({ role: state.leader ? 'leader' : 'follower', leader: state.leaderId, term: 1 });
  const view: ClusterView = {
    snapshot: () => snapshot() as unknown as RaftState<ClusterDocument>,
    isLeader: () => state.leader,
    newestDoc: () => (state.empty ? undefined : state.doc),
    addressOf: () => undefined,
    propose: async (make) => {
      if (state.proposeError) throw state.proposeError;
      const out = make(state.empty ? null : entry(state.doc), state.doc.version + 1);
      if (!out) return null;
      state.doc = out.data;
      return entry(state.doc);
    },
    onRole: () => undefined,
  };
  return { state, view };
}

describe('peer handlers answer failures through the one error mapping', () => {
  const { state, view } = fakeView();
  const logs: string[] = [];
  const destination = new Writable({
    write(c, _e, cb) {
      logs.push(String(c));
      cb();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  const tasks: unknown[] = [];
  const delivered: unknown[] = [];
  const leaderWork = new LeaderWork({
    nodeId: 'n1',
    view,
    detector: { suspectAfterMs: 1, deadAfterMs: 2, expireAfterMs: 0 },
    timings: { leaderTickMs: 200 },
    logger,
    now: Date.now,
  });
  let server: Server;
  let address = '';
  const client = new PeerClient({ nodeId: 'n2', signer, now: Date.now });
  const post = <T = ErrorAnswer>(path: string, body: unknown) =>
    client.call<T>(address, 'POST', `${PEER_BASE}${path}`, body);

  before(async () => {
    const app = express();
    app.use(
      PEER_BASE,
      createPeerRouter({
        nodeId: 'n1',
        signer,
        now: Date.now,
        logger,
        handlers: peerHandlers({
          view,
          deliver: async (m) => {
            delivered.push(m);
          },
          hello: async () => {
            throw new Error('secret detail of a bug');
          },
          join: (body, from, ip) => leaderWork.onJoin(body, from, ip),
          status: () => status,
          profile: async (t) => {
            tasks.push(t);
          },
        }),
      }),
    );
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );

  /** A signed request with any raw body (the client only sends JSON). */
  async function raw(path: string, text: string): Promise<{ status: number; body: unknown }> {
    const headers = signer.requestHeaders('POST', `${PEER_BASE}${path}`, 'n2', text, Date.now());
    const res = await fetch(`http://${address}${PEER_BASE}${path}`, {
      method: 'POST',
      headers: { ...headers },
      body: text,
    });
    assert.ok(res.headers.get(PEER_HEADERS.signature), 'an error answer is signed too');
    return { status: res.status, body: await res.json() };
  }

  it('a raft message from someone other than its signer is 403 forbidden', async () => {
    const msg = { type: 'vote-resp', term: 1, from: 'n3', to: 'n1', granted: true };
    const r = await post('/raft', msg);
    assert.equal(r.status, 403);
    assert.deepEqual(r.body, { error: { code: 'forbidden', message: 'sender mismatch' } });
    assert.deepEqual(delivered, [], 'the forged message never reaches the election');
    const ok = await post('/raft', { ...msg, from: 'n2' });
    assert.equal(ok.status, 202);
    assert.deepEqual(delivered, [{ ...msg, from: 'n2' }]);
    delivered.length = 0;
  });

  it('a body that is not JSON, or not the message, is 400 invalid', async () => {
    const notJson = await raw('/raft', '{"type":');
    assert.equal(notJson.status, 400);
    assert.equal((notJson.body as ErrorAnswer).error.code, 'invalid');
    const wrong = await post('/raft', { type: 'nonsense' });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error.code, 'invalid');
    assert.match(wrong.body.error.message, /^raft message field type:/);
    const propose = await post('/propose', { baseVersion: -1 });
    assert.equal(propose.status, 400);
    assert.equal(propose.body.error.code, 'invalid');
    assert.match(propose.body.error.message, /^propose request field baseVersion:/);
  });

  it('a change sent to a follower is 503 not-leader; the leader answers 200, or 409 with the newer doc', async () => {
    const change = { baseVersion: 3, doc: { ...state.doc, apps: [] } };
    state.leader = false;
    const refused = await post('/propose', change);
    assert.equal(refused.status, 503);
    assert.deepEqual(refused.body, { error: { code: 'not-leader', message: 'not the leader' } });
    state.leader = true;
    const stale = await post<{ doc: ClusterDocument }>('/propose', { ...change, baseVersion: 2 });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.doc.version, 3, 'the conflict answer carries the newer document');
    const accepted = await post<{ doc: ClusterDocument }>('/propose', change);
    assert.equal(accepted.status, 200);
    assert.equal(accepted.body.doc.version, 4);
  });

  it("an accepted change keeps the leader's members and cluster name; other failures go through", async () => {
    state.leader = true;
    const base = state.doc.version;
    const forged = {
      ...state.doc,
      clusterName: 'elsewhere',
      members: [{ id: 'n9', address: '10.0.0.9:7878', joinedAt: 0, lastSeen: 0, state: 'alive' }],
      apps: [],
    };
    const r = await post<{ doc: ClusterDocument }>('/propose', { baseVersion: base, doc: forged });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.doc.members, [], 'membership changes only through join and removal');
    assert.equal(r.body.doc.clusterName, 'test');
    assert.equal(r.body.doc.version, base + 1);
    state.proposeError = new UnavailableError('a membership change is in flight');
    const busy = await post('/propose', { baseVersion: base + 1, doc: forged });
    state.proposeError = undefined;
    assert.equal(busy.status, 503);
    assert.equal(busy.body.error.code, 'unavailable');
    state.empty = true;
    const empty = await post('/propose', { baseVersion: base + 1, doc: forged });
    state.empty = false;
    assert.equal(empty.status, 503);
    assert.deepEqual(empty.body, { error: { code: 'unavailable', message: 'no state' } });
    state.leader = false;
  });

  it('a node joins only as itself (403); a join the cluster cannot take now is 503 retry', async () => {
    state.leader = true;
    const join = { id: 'n3', address: '10.0.0.3:7878' };
    const other = await post('/join', join);
    assert.equal(other.status, 403);
    assert.deepEqual(other.body, { error: { code: 'forbidden', message: 'a node joins only as itself' } });
    state.proposeError = new UnavailableError('a membership change is in flight');
    const busy = await post('/join', { ...join, id: 'n2' });
    state.proposeError = undefined;
    assert.equal(busy.status, 503);
    assert.deepEqual(busy.body, { error: { code: 'retry', message: 'a membership change is in flight' } });
    state.leader = false;
    const notLeader = await post<{ leader: string | null }>('/join', { ...join, id: 'n2' });
    assert.equal(notLeader.status, 409, 'a follower points the caller at the leader');
    assert.deepEqual(notLeader.body, { leader: null });
  });

  it('a profiling task is taken (202) only from the leader and only when well formed', async () => {
    const task = {
      task: 't-1',
      target: { app: 'synthetic', module: 'detect', accelerator: 'T4', digest: 'sha256:a' },
      shared: false,
    };
    state.leaderId = 'n3';
    const notLeader = await post('/profile', task);
    assert.equal(notLeader.status, 403);
    assert.match(notLeader.body.error.message, /only the leader hands out profiling tasks \(leader: n3\)/);
    state.leaderId = 'n2';
    const bad = await post('/profile', { ...task, target: { app: 'synthetic' } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /^profiling task field target\.module/);
    assert.equal(tasks.length, 0, 'nothing refused reached the profiler');
    const ok = await post<{ accepted: string }>('/profile', task);
    assert.equal(ok.status, 202);
    assert.deepEqual(ok.body, { accepted: 't-1' });
    assert.deepEqual(tasks, [task]);
    state.leaderId = null;
    const none = await post('/profile', task);
    assert.equal(none.status, 403);
    assert.match(none.body.error.message, /\(leader: none\)$/, 'without a leader nobody hands out tasks');
    assert.equal(tasks.length, 1);
  });

  it('GET /doc answers the newest document and the cluster status, or a null document without state', async () => {
    const get = () => client.call<{ doc: ClusterDocument | null; status: unknown }>(address, 'GET', `${PEER_BASE}/doc`);
    const r = await get();
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { doc: state.doc, status });
    state.empty = true;
    const none = await get();
    state.empty = false;
    assert.deepEqual(none.body, { doc: null, status });
  });

  it('an unexpected failure is a 500 whose details stay in the log', async () => {
    const r = await post('/hello', {});
    assert.equal(r.status, 500);
    assert.equal(r.body.error.code, 'internal');
    assert.doesNotMatch(r.body.error.message, /secret detail/);
    assert.ok(
      logs.some((l) => l.includes('secret detail of a bug')),
      'logged',
    );
  });
});
