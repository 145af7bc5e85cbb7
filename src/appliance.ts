/**
 * The composition root's body: builds every service of one appliance from the
 * config and passes dependencies in. `startAppliance` returns once the HTTP
 * server listens; Docker, the inventory and the supervisor come up behind it,
 * so /healthz answers at once and a missing Docker engine never stops the start.
 */
import { createServer, type Server } from 'node:http';
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { DestinationStream } from 'pino';
import type { ContainerEngine } from './adapters/container-engine.js';
import { loadAdminToken } from './adapters/admin-token.js';
import { SystemInventory, type Inventory } from './adapters/inventory.js';
import { LowdbStore } from './adapters/lowdb-store.js';
import type { Store } from './adapters/store.js';
import type { ReplicaView } from './api/replica-view.js';
import { DockerHealth } from './api/docker-health.js';
import { EventBus } from './events/event-bus.js';
import { ApiMetrics } from './api/metrics.js';
import { Control } from './control/control.js';
import { createApi, type ApiOptions } from './api/server.js';
import type { Config } from './config/schema.js';
import { oneBoxPlanner } from './domain/planning/control-planners.js';
import type { Planner } from './domain/planning/planner.js';
import { placementSwitch } from './placement-planner.js';
import { replicaEvents } from './replica-events.js';
import type { Assignment } from './domain/types.js';
import { componentLogger, createLogger, type Logger } from './log.js';
import { sleep } from './sleep.js';
import { createCluster } from './cluster/start-cluster.js';
import { statusPageRoutes } from './api/status-page/status-page.js';
import { NodeSupervisor } from './supervisor/node-supervisor.js';
import { createDataPlane, type DataPlaneReport } from './router/data-plane.js';
import { ClusterMeasurements } from './router/cluster-measurements.js';
import { aloneLoadWatch } from './control/alone-load-watch.js';
import type { LoadWatchTuning } from './cluster/load-watch.js';
import { DEFAULT_LOAD_TRIGGER } from './domain/planning/load-trigger.js';
import { PeerHop } from './router/replica-hop.js';
import { v8YoungGeneration } from './adapters/v8-young-generation.js';
import { routerPeerHandlers, routerPeerRawRoutes } from './router/router-peer-api.js';
import { publishClusterEvents } from './cluster/cluster-events.js';
import { limitConnections, listenDeep } from './http/connection-limits.js';
import { aliveAnswer, listenHealth } from './http/health-listener.js';
import { closeIfCooled } from './http/cooled-requests.js';
import { RefusalCooldown } from './http/refusal-cooldown.js';
import { NvidiaSmiSampler, ProfilerService, profilerRoutes } from './profiler/index.js';

/** The node supervisor as the root drives it (src/supervisor's NodeSupervisor). */
export interface Supervisor extends ReplicaView {
  setAssignment(a: Assignment): void;
  reconcileNow(): unknown;
  run(signal: AbortSignal): Promise<void>;
}

export interface SupervisorFactory {
  (engine: ContainerEngine, nodeId: string, logger: Logger, config: Config, events: EventBus): Supervisor;
}

/** The real supervisor: woken by engine events; the poll is only a fallback, so idle costs little. */
export const nodeSupervisor: SupervisorFactory = (engine, nodeId, logger, config, events) =>
  new NodeSupervisor(
    engine,
    nodeId,
    logger,
    { now: () => Date.now() },
    {
      pollMs: config.supervisor.pollInterval,
      onStep: (step, error) =>
        events.publish('replica', error ? 'step-failed' : 'step', {
          ...step,
          ...(error ? { error: error.message } : {}),
        }),
    },
  );

export interface ApplianceParts {
  /** The real ones are built from the config when unset. */
  engine?: ContainerEngine;
  inventory?: Inventory;
  /** The NodeSupervisor when unset. */
  supervisor?: SupervisorFactory;
  /** The one-box planner over `placementPlanner(config)` when unset (a cluster brings its own). */
  planner?: (config: Config) => Planner;
  logDestination?: DestinationStream;
  now?: () => number;
  api?: ApiOptions;
  /** How often replica states are compared for the event stream while someone listens (ms). */
  replicaEventsMs?: number;
}

export interface RunningAppliance {
  config: Config;
  nodeId: string;
  url: string;
  port: number;
  /** The health listener's port (`api.healthPort`), when there is one. */
  healthPort: number | undefined;
  server: Server;
  store: Store;
  logger: Logger;
  engine: ContainerEngine;
  supervisor: Supervisor;
  control: Control;
  docker: DockerHealth;
  events: EventBus;
  /** Stops every loop and the server; containers keep running. */
  stop(): Promise<void>;
}

export async function startAppliance(config: Config, parts: ApplianceParts): Promise<RunningAppliance> {
  const now = parts.now ?? Date.now;
  const root = createLogger({ level: config.logLevel, destination: parts.logDestination });
  const log = componentLogger(root, 'appliance');
  const abort = new AbortController();
  const { signal } = abort;

  const localStore = await LowdbStore.open(config.dataDir, {
    clusterName: config.cluster.name,
    now,
    warn: (msg, detail) => root.warn({ component: 'store', ...detail }, msg),
  });
  const nodeId = config.nodeId ?? localStore.local().nodeId;
  const admin = await loadAdminToken(config.dataDir, config.adminToken);
  // The token itself never enters the log (`docker logs` keeps it forever): the operator is told where it is.
  if (admin.generated) {
    const msg =
      'admin token generated; show it with `rim token` (`docker exec rim rim token`); ' + `kept in ${admin.file}`;
    if (root.isLevelEnabled('info')) root.info({ component: 'appliance', node: nodeId }, msg);
    else process.stdout.write(`${msg}\n`); // a quieter log level must not hide where it is
  }

  const engine = parts.engine ?? (await dockerEngine(config));
  const inventory =
    parts.inventory ??
    new SystemInventory({
      nodeId,
      emulate: config.accelerators.emulate,
      detectGpus: config.accelerators.detectGpus,
    });
  const events = new EventBus(now);
  const docker = new DockerHealth(engine, componentLogger(root, 'docker'), now);
  docker.onChange((s) => events.publish('docker', s.reachable ? 'reachable' : 'unreachable', s));
  const supervisor = (parts.supervisor ?? nodeSupervisor)(
    engine,
    nodeId,
    componentLogger(root, 'supervisor'),
    config,
    events,
  );
  // With a cluster token the boxes form one cluster: changes go through the leader, plans span every box.
  const strategy = placementSwitch(config);
  const placement = strategy.planner;
  // The router's peer endpoints read the data plane, built below (they answer only once the server listens).
  const routerRef: { report?: DataPlaneReport; measurements?: ClusterMeasurements } = {};
  // What fired a re-plan on load goes on the event stream as `plan` `trigger` (the plan that follows says it too).
  const loadTuning: LoadWatchTuning = {
    trigger: {
      ...DEFAULT_LOAD_TRIGGER,
      sustainMs: config.placement.load.sustain,
      cooldownMs: config.placement.load.cooldown,
    },
    announce: (t) => events.publish('plan', 'trigger', t),
  };
  // Addresses refused again and again (event streams past their caps, bad peer signatures) are cut off at accept.
  const cooldown = new RefusalCooldown();
  const cluster = createCluster({
    config,
    nodeId,
    localStore,
    inventory,
    supervisor,
    now,
    planner: placement,
    // The leader's load watch reads the merged measurements of every box (built with the data plane below).
    measure: async (ds) => (routerRef.measurements ? routerRef.measurements.measured(ds) : new Map()),
    loadTuning,
    logger: componentLogger(root, 'cluster'),
    peerHandlers: routerPeerHandlers(() => routerRef.report),
    peerRaw: routerPeerRawRoutes(() => routerRef.report),
    onPeerRefused: (address) => cooldown.refused(address),
  });
  if (cluster) {
    const node = cluster.node;
    publishClusterEvents(
      { onRole: (fn) => node.driver.onRole(fn), onCommitted: (fn) => node.onCommitted(fn) },
      (type, action, data) => events.publish(type, action, data),
      localStore.read(),
    );
  }
  const store = cluster?.store ?? localStore;
  const planner = cluster?.planner ?? parts.planner?.(config) ?? oneBoxPlanner(placement, config.ports.range);
  const control = new Control({
    store,
    engine,
    inventory,
    supervisor,
    planner,
    events,
    logger: componentLogger(root, 'control'),
    now,
  });
  // The leader (a box on its own leads itself) keeps the profiling queue for every accelerator model of the
  // cluster and hands each task to a box that has the model; this box runs the tasks it is handed.
  const profiler = new ProfilerService({
    engine,
    store,
    nodeId,
    inventory,
    now,
    logger: componentLogger(root, 'profiler'),
    schedule: config.profiling.schedule,
    enabled: config.profiling.enabled,
    ports: config.ports.range,
    readImageFile: (image, path) => engine.readImageFile(image, path),
    gpu: config.accelerators.detectGpus ? new NvidiaSmiSampler() : undefined,
    isLeader: () => cluster?.node.isLeader ?? true,
    ...(config.profiling.tuning ? { tuning: config.profiling.tuning } : {}),
    ...(cluster
      ? {
          cluster: {
            doc: () => cluster.node.newestDoc(),
            isLeader: () => cluster.node.isLeader,
            send: (node, task) => cluster.node.sendProfileTask(node, task),
          },
        }
      : {}),
    onProfiled: (p) => {
      events.publish('profile', p.state, {
        app: p.app,
        module: p.module,
        variant: p.variant,
        accelerator: p.accelerator,
        state: p.state,
        node: p.node,
      });
      // New figures can admit more or place better: plan again (in a cluster the leader re-plans on the new document).
      if (!cluster) void control.replan().catch((e) => log.warn({ err: e }, 're-plan after profiling failed'));
    },
  });
  if (cluster && config.profiling.enabled) cluster.node.onProfileTask((task) => profiler.acceptTask(task));

  let ready = false;
  // The data plane: frames in, sinks' output back; its measurements feed the API's views and /metrics.
  // With node's --expose-gc (the appliance's flags) it scavenges between frames (router/idle-scavenge.ts).
  const young = v8YoungGeneration();
  const dataPlane = createDataPlane({
    nodeId,
    store,
    supervisor,
    adminToken: admin.token,
    openFrames: config.api.openReads,
    logger: componentLogger(root, 'router'),
    now,
    peers: cluster?.client,
    ...(cluster ? { hop: new PeerHop({ nodeId, signer: cluster.signer, now }) } : {}),
    ...(young ? { young } : {}),
  });
  routerRef.report = dataPlane.report;
  // A committed change (a member suspect or dead, a new plan) reaches the router with the next frame.
  cluster?.node.onCommitted(() => dataPlane.changed());
  const measurements = new ClusterMeasurements({
    self: nodeId,
    members: () => store.read().members,
    local: dataPlane.report,
    peers: cluster?.client,
  });
  routerRef.measurements = measurements;
  const metrics = new ApiMetrics();
  metrics.attachRouter({
    measured: (d) => dataPlane.stats.measured(d),
    render: () => dataPlane.stats.renderMetrics(store.read().deployments),
    measuredAcross: (targets) => measurements.measured(targets),
  });
  const api = createApi(
    {
      config,
      nodeId,
      adminToken: admin.token,
      store,
      engine,
      inventory,
      supervisor,
      control,
      docker,
      events,
      metrics,
      logger: componentLogger(root, 'api'),
      now,
      ready: () => ready,
      cluster,
      cooldown,
      placement: { strategy: strategy.strategy, setStrategy: strategy.set },
    },
    { ...parts.api, extraRoutes: [statusPageRoutes(), profilerRoutes(profiler), ...(parts.api?.extraRoutes ?? [])] },
  );
  // The peer API reads its raw body to check signatures: it goes ahead of the API's JSON parser and admin guard.
  const outer = express();
  outer.disable('x-powered-by');
  if (cluster) outer.use(cluster.base, cluster.router);
  outer.use(api.app);
  // Frames are raw bytes of any type: the data plane takes them ahead of express and the API's JSON parser.
  // Liveness is answered ahead of everything (no routing, no parsing, nothing logged): it stays cheap under floods,
  // and so is the event stream (served, or refused, ahead of express: routes/events.ts).
  const alive = aliveAnswer(nodeId);
  const server = createServer((req, res) => {
    if (alive(req, res)) return;
    // An address cooled down while its requests were on their way: closed unanswered (http/cooled-requests.ts).
    if (closeIfCooled(cooldown, req)) return;
    if (!api.serveEarly(req, res) && !dataPlane.intercept(req, res)) outer(req, res);
  });
  server.keepAliveTimeout = 5000;
  limitConnections(server, {}, cooldown);
  await listenDeep(server, config.api.port, config.api.host);
  const port = (server.address() as AddressInfo).port;
  const { healthPort: wantHealth } = config.api;
  const health = wantHealth === undefined ? undefined : await listenHealth(alive, wantHealth, config.api.host);
  const healthPort = health && (health.address() as AddressInfo).port;
  const url = `http://${config.api.host === '0.0.0.0' || config.api.host === '::' ? '127.0.0.1' : config.api.host}:${port}`;
  log.info(
    { node: nodeId, url, healthPort, dataDir: config.dataDir, version: store.read().version },
    'appliance listening',
  );

  // Behind the listening server: the stored plan to the supervisor, Docker, the supervisor loop.
  const loops: Promise<unknown>[] = [];
  const background = (name: string, p: Promise<unknown>) =>
    loops.push(p.catch((e) => log.error({ err: e, loop: name }, `${name} stopped`)));
  if (cluster) cluster.start(signal, port);
  background(
    'start-up',
    (async () => {
      // In a cluster the committed plan reaches the supervisor through the cluster;
      // ready once this node holds cluster state.
      if (cluster) {
        while (!signal.aborted && !cluster.node.initialized) await sleep(200, signal);
      } else await control.replan();
      ready = true;
      log.info({ node: nodeId, replicas: supervisor.replicas().length }, 'appliance ready');
    })(),
  );
  background('docker-watch', docker.watch(signal, config.docker.pingInterval));
  background(
    'supervisor',
    (async () => {
      // The supervisor starts once Docker first answers; it then rides out outages itself.
      if (await docker.untilReachable(signal)) await supervisor.run(signal);
    })(),
  );
  background(
    'profiler',
    (async () => {
      if (await docker.untilReachable(signal)) await profiler.start(signal);
    })(),
  );
  // A box alone re-allocates auto rates on measured load itself (in a cluster the leader does, for all boxes).
  if (!cluster)
    background(
      'load-watch',
      aloneLoadWatch(control, measurements, store, componentLogger(root, 'load'), now, signal, loadTuning),
    );
  background('replica-events', replicaEvents(supervisor, events, signal, parts.replicaEventsMs ?? 1000));

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      log.info('stopping');
      abort.abort();
      api.closeStreams();
      dataPlane.close();
      server.close();
      server.closeAllConnections();
      health?.close();
      health?.closeAllConnections();
      const grace = new AbortController();
      await Promise.race([Promise.all(loops), sleep(5000, grace.signal)]);
      grace.abort();
      // Queued writes land; none after this (a restart on the same data dir must not race a late one).
      await localStore.close();
      log.info('stopped');
    })());

  const running = { config, nodeId, url, port, healthPort, server, store, engine, supervisor, control, docker };
  return { ...running, logger: root, events, stop };
}

/** dockerode loads lazily: it is not needed for the first answer. */
async function dockerEngine(config: Config): Promise<ContainerEngine> {
  const { DockerContainerEngine } = await import('./adapters/docker-engine.js');
  const { host, socketPath, tlsVerify, certPath, sandboxImage } = config.docker;
  return new DockerContainerEngine({ host, socketPath, tlsVerify, certPath, sandboxImage });
}
