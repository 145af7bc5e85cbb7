/**
 * In-process cluster nodes on loopback ports: real HTTP, real signatures,
 * real lowdb stores in temp dirs, the real election driver, no mDNS.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after } from 'node:test';
import express from 'express';
import type { Server } from 'node:http';
import { LowdbStore } from '../../../src/adapters/lowdb-store.js';
import type { Store } from '../../../src/adapters/store.js';
import { ClusterNode } from '../../../src/cluster/cluster-node.js';
import type { ClusterTimings } from '../../../src/cluster/cluster-timings.js';
import { PeerSigner } from '../../../src/cluster/peer-auth.js';
import { PeerClient, type PeerCaller } from '../../../src/cluster/peer-client.js';
import { createPeerRouter, PEER_BASE } from '../../../src/cluster/peer-server.js';
import { standInPlan } from '../../../src/domain/planning/stand-in-plan.js';
import type { NodeInventory } from '../../../src/domain/types.js';
import { createLogger } from '../../../src/log.js';

export const FAST = {
  raft: { electionMinMs: 400, electionMaxMs: 800, heartbeatMs: 60, maxPending: 64 },
  detector: { suspectAfterMs: 600, deadAfterMs: 1200, expireAfterMs: 0 },
};

export interface TestNode {
  id: string;
  address: string;
  node: ClusterNode;
  store: LowdbStore;
  logs: string[];
  /** Its lowdb data directory (kept by `stop({ keepData: true })` for a restart on the same volume). */
  dir: string;
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

export interface NodeOptions {
  /** Restart on this data directory (a box's data volume). */
  dir?: string;
  /** What the box reports as its hardware (no accelerator by default). */
  inventory?: NodeInventory;
  /** Wraps the node's peer client (a test losing answers). */
  client?: (real: PeerCaller) => PeerCaller;
  /** Wraps the store the node writes committed documents to (a test holding them back). */
  store?: (real: Store) => Store;
  /** Cluster timings on top of the harness's (e.g. more update() attempts, to outlast an election under load). */
  timings?: Partial<ClusterTimings>;
}

/**
 * Every port reserved and still listening. A test that fails before it started (and so before it stopped) a
 * node on a slot leaves that server open, and an open server keeps the test file's process alive for good:
 * they are closed after the file's tests, whatever happened.
 */
const listening = new Set<Server>();
after(async () => {
  await Promise.all(
    [...listening].map((s) => {
      s.closeAllConnections();
      return new Promise((r) => s.close(r));
    }),
  );
});

/** Reserves a loopback port by listening on it (any free one unless given); the node then serves there. */
export async function listen(port = 0): Promise<{ server: Server; app: express.Express; port: number }> {
  const app = express();
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(port, '127.0.0.1', () => resolve(s));
  });
  listening.add(server);
  server.once('close', () => listening.delete(server));
  return { server, app, port: (server.address() as AddressInfo).port };
}

export async function startNode(
  id: string,
  token: string,
  slot: Awaited<ReturnType<typeof listen>>,
  peers: string[],
  opts: NodeOptions = {},
): Promise<TestNode> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), `rim-cluster-${id}-`)));
  const inventory = opts.inventory ?? { id, cpus: 4, memoryMB: 8192, accelerators: [] };
  const store = await LowdbStore.open(dir, { clusterName: 'test' });
  const logs: string[] = [];
  const logger = createLogger({
    level: 'info',
    destination: new Writable({
      write(chunk, _e, cb) {
        logs.push(String(chunk));
        cb();
      },
    }),
    base: { node: id },
  });
  const signer = new PeerSigner(token);
  const address = `127.0.0.1:${slot.port}`;
  const node = new ClusterNode({
    nodeId: id,
    clusterName: 'test',
    advertiseAddress: address,
    store: opts.store ? opts.store(store) : store,
    client: (opts.client ?? ((c) => c))(new PeerClient({ nodeId: id, signer, now: Date.now })),
    inventory: async () => inventory,
    staticPeers: peers.filter((p) => p !== address),
    logger,
    now: Date.now,
    raft: FAST.raft,
    detector: FAST.detector,
    timings: { bootstrapAfterMs: 600, ...opts.timings },
    planner: standInPlan,
  });
  slot.app.use(PEER_BASE, createPeerRouter({ nodeId: id, signer, now: Date.now, logger, handlers: node.handlers() }));
  const abort = new AbortController();
  node.start(abort.signal);
  return {
    id,
    address,
    node,
    store,
    logs,
    dir,
    stop: async (o = {}) => {
      abort.abort();
      slot.server.closeAllConnections();
      await new Promise((r) => slot.server.close(r));
      // The store's queued writes land and later ones are refused before a restart on the same directory
      // opens it (both would write the same temporary file: a rename racing another one fails with ENOENT).
      await store.close();
      if (!o.keepData) await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
}

export { until } from '../../support/until.js';

export const leaders = (nodes: TestNode[]) => nodes.filter((n) => n.node.isLeader);
