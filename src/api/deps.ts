/** What the HTTP API needs, built by the composition root and passed in. */
import type { ContainerEngine } from '../adapters/container-engine.js';
import type { Inventory } from '../adapters/inventory.js';
import type { Store } from '../adapters/store.js';
import type { Config } from '../config/schema.js';
import type { ClusterStatus } from '../domain/cluster-status.js';
import type { Logger } from '../log.js';
import type { DockerHealth } from './docker-health.js';
import type { EventBus } from '../events/event-bus.js';
import type { ApiMetrics } from './metrics.js';
import type { Control } from '../control/control.js';
import type { ReplicaView } from './replica-view.js';

export interface ApiDeps {
  config: Config;
  nodeId: string;
  adminToken: string;
  store: Store;
  engine: ContainerEngine;
  inventory: Inventory;
  supervisor: ReplicaView;
  control: Control;
  docker: DockerHealth;
  events: EventBus;
  metrics: ApiMetrics;
  logger: Logger;
  now: () => number;
  /** Whether start-up finished (store loaded, cluster joined): /readyz. */
  ready: () => boolean;
  /** The cluster view (leader, term, members) when the appliance runs in a cluster. */
  cluster?: { status(): ClusterStatus; removeMember(id: string): Promise<unknown>; advertiseAddress?(): string };
  /** This box's placement strategy, switchable while it runs (PUT /v1/plan/strategy); config's when absent. */
  placement?: { strategy(): string; setStrategy(name: string): void };
  /** Keep-alive period of the event stream (ms). */
  eventsKeepAliveMs?: number;
  /** Open event streams allowed, in all and per client address (EVENT_STREAM_LIMITS when unset). */
  eventStreams?: { total: number; perClient: number };
  /**
   * Told each refused event stream's client address (repeat offenders' connections are then closed at once);
   * asked whether a waiting stream request's address cooled down meanwhile (it is then closed unanswered).
   */
  cooldown?: { refused(address: string): void; blocked?(address: string): boolean };
}
