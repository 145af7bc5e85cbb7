/**
 * Builds this appliance's cluster side from the config: the signed peer
 * API, the ClusterNode, mDNS (on the configured interface only), the
 * cluster-backed Store and the planner the appliance's control uses. The
 * composition root calls `createCluster`, mounts `router` at /v1/peer ahead
 * of the admin guard, passes `store` and `planner` to the rest, and calls
 * `start(signal)` once the HTTP server listens.
 */
import { networkInterfaces } from 'node:os';
import type { Router } from 'express';
import type { Inventory } from '../adapters/inventory.js';
import type { Store } from '../adapters/store.js';
import type { Config } from '../config/schema.js';
import type { ClusterStatus } from '../domain/cluster-status.js';
import { DEFAULT_FAILURE_DETECTOR } from '../domain/membership/failure-detector.js';
import { memberPlanner } from '../domain/planning/control-planners.js';
import type { ClusterPlanner, Planner } from '../domain/planning/planner.js';
import type { LoadWatchTuning, MeasureLoad } from './load-watch.js';
import type { Assignment } from '../domain/types.js';
import type { Logger } from '../log.js';
import { AssignmentFollower } from './assignment-follower.js';
import { ClusterNode } from './cluster-node.js';
import { ClusterStore } from './cluster-store.js';
import { interfaceAddress, MdnsDiscovery } from './mdns-discovery.js';
import { PeerSigner } from './peer-auth.js';
import { PeerClient, type PeerCaller } from './peer-client.js';
import type { PeerHandler } from './peer-server.js';
import { createPeerRouter, PEER_BASE } from './peer-server.js';

export interface ClusterParts {
  config: Config;
  nodeId: string;
  /** The node-local lowdb store. */
  localStore: Store;
  inventory: Inventory;
  supervisor: { setAssignment(a: Assignment): void };
  logger: Logger;
  now: () => number;
  /** The leader's planner (the composition root's: placement engine + stand-in for unprofiled apps). */
  planner: ClusterPlanner;
  /** The cluster's merged measurements per deployment, for the leader's load watch. */
  measure?: MeasureLoad;
  /** The load trigger's timings and who hears of what fired. */
  loadTuning?: LoadWatchTuning;
  /** More peer endpoints served under /v1/peer, signed like the rest (e.g. the router's). */
  peerHandlers?: Record<string, PeerHandler>;
  /** Peer endpoints whose bodies are bytes (the router's frame hop), each with its body limit. */
  peerRaw?: Record<string, { handler: PeerHandler; maxBytes: number }>;
  /** Told the source address of each refused peer request (refusal-cooldown.ts). */
  onPeerRefused?: (address: string) => void;
}

export interface Cluster {
  node: ClusterNode;
  /** Pass this Store to the API and the control: changes go through the leader. */
  store: Store;
  /** The control's Planner: the cluster-wide plan, and this node's share of it. */
  planner: Planner;
  /** Mount at PEER_BASE ahead of express.json and the admin guard. */
  router: Router;
  /** Signed calls to the other members' peer API. */
  client: PeerCaller;
  /** Signs with the cluster token (the router's frame hop signs its own requests). */
  signer: PeerSigner;
  base: string;
  status(): ClusterStatus;
  /** host:port at which the other boxes reach this box's API. */
  advertiseAddress(): string;
  /** Operator removal of a member (leader only; the API forwards to the leader). */
  removeMember(id: string): Promise<unknown>;
  /** `apiPort`: the port the API listens on (announced over mDNS and to peers). */
  start(signal: AbortSignal, apiPort: number): void;
}

/** The IPv4 address other boxes reach: the discovery interface's, else the first non-internal one. */
export function advertiseHost(iface: string | undefined): string {
  if (iface) return interfaceAddress(iface);
  for (const list of Object.values(networkInterfaces())) {
    const a = list?.find((x) => x.family === 'IPv4' && !x.internal);
    if (a) return a.address;
  }
  return '127.0.0.1';
}

/** Undefined when no cluster token is configured: the appliance then runs as one box. */
export function createCluster(p: ClusterParts): Cluster | undefined {
  const { config, logger } = p;
  const token = config.cluster.token;
  if (!token) {
    logger.warn('no cluster token (RIM_CLUSTER_TOKEN): running as a single box, not joining any cluster');
    return undefined;
  }
  const signer = new PeerSigner(token);
  const discovery = config.cluster.discovery;
  const host = advertiseHost(discovery.interface);
  const plan = p.planner;
  const client = new PeerClient({ nodeId: p.nodeId, signer, now: p.now });
  const node = new ClusterNode({
    nodeId: p.nodeId,
    clusterName: config.cluster.name,
    advertiseAddress: `${host}:${config.api.port}`,
    store: p.localStore,
    client,
    inventory: () => p.inventory.get(),
    staticPeers: discovery.peers,
    logger,
    now: p.now,
    detector: { ...DEFAULT_FAILURE_DETECTOR, expireAfterMs: config.cluster.memberExpiry },
    planner: plan,
    measure: p.measure,
    loadTuning: p.loadTuning,
  });
  const follower = new AssignmentFollower({
    nodeId: p.nodeId,
    range: config.ports.range,
    store: p.localStore,
    inventory: () => p.inventory.get(),
    supervisor: p.supervisor,
    logger,
  });
  node.onCommitted(follower.onCommitted);
  return {
    node,
    store: new ClusterStore(p.localStore, node),
    planner: memberPlanner(config.ports.range),
    router: createPeerRouter({
      nodeId: p.nodeId,
      signer,
      now: p.now,
      logger,
      handlers: { ...node.handlers(), ...p.peerHandlers },
      ...(p.peerRaw ? { raw: p.peerRaw } : {}),
      ...(p.onPeerRefused ? { onRefused: p.onPeerRefused } : {}),
      isKnownPeer: (id) => node.knowsPeer(id),
    }),
    client,
    signer,
    base: PEER_BASE,
    status: () => node.status(),
    advertiseAddress: () => node.advertiseAddress,
    removeMember: (id) => node.removeMember(id),
    start: (signal, apiPort) => {
      node.setAdvertiseAddress(`${host}:${apiPort}`);
      node.start(signal);
      if (discovery.mdns) {
        new MdnsDiscovery({
          nodeId: p.nodeId,
          cluster: config.cluster.name,
          apiPort,
          interface: discovery.interface,
          logger,
          onPeer: (address) => node.addCandidate(address),
        }).start(signal);
      }
      logger.info(
        {
          node: p.nodeId,
          address: node.advertiseAddress,
          mdns: discovery.mdns,
          interface: discovery.interface ?? 'all',
          peers: discovery.peers.length,
        },
        'cluster node started',
      );
    },
  };
}
