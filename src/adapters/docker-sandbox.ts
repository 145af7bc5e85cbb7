/**
 * The Docker side of the replica sandbox (src/domain/replica-sandbox.ts):
 * its internal network and idle container, created when missing, created
 * anew when not running, removed on cleanup. The appliance's own container
 * (found from /proc/self/mountinfo) gives the sandbox its image, and joins the
 * network when it has a network namespace of its own (a test cluster's box).
 */
import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import { ConflictError, ValidationError } from '../domain/errors.js';
import { applianceJoinsNetwork, ownContainerId, sandboxNames } from '../domain/replica-sandbox.js';
import type { SandboxInfo } from './container-engine.js';
import { LABEL, SANDBOX_ROLE, sandboxCreateOptions, sandboxNetworkOptions } from './docker-create-options.js';

type ToRimError = (e: unknown, what: string) => Error;

const statusOf = (e: unknown) => (e as { statusCode?: number }).statusCode;
const ours = (labels: Record<string, string> | undefined, node: string): boolean =>
  labels?.[LABEL.managed] === 'true' && labels[LABEL.node] === node && labels[LABEL.role] === SANDBOX_ROLE;

function readOwnContainerId(): string | undefined {
  try {
    return ownContainerId(readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return undefined;
  }
}

export interface SandboxOptions {
  /** The sandbox's image; unset: the appliance's own container's. */
  image?: string;
  /** The container this process runs in; unset: read from /proc/self/mountinfo (none outside a container). */
  selfContainer?: string | null;
}

export class DockerSandboxes {
  private readonly known = new Map<string, SandboxInfo>();
  /** The sandbox container id the latest container list showed running, by node. */
  private readonly listedRunning = new Map<string, string | undefined>();
  private readonly self: string | undefined;
  private readonly pending = new Map<string, Promise<SandboxInfo>>();

  constructor(
    private readonly docker: Docker,
    private readonly toRimError: ToRimError,
    private readonly opts: SandboxOptions = {},
  ) {
    this.self = opts.selfContainer === null ? undefined : (opts.selfContainer ?? readOwnContainerId());
  }

  /** Told by the engine's container list: which sandbox of `node` runs (none: undefined). */
  listed(node: string, runningId: string | undefined): void {
    this.listedRunning.set(node, runningId);
  }

  /** One look (and creation) at a time per node: the supervisor and the profiler may ask together. */
  ensure(node: string): Promise<SandboxInfo> {
    const known = this.known.get(node);
    if (known && this.listedRunning.get(node) === known.containerId) return Promise.resolve(known);
    let pending = this.pending.get(node);
    if (!pending) {
      pending = this.lookOrCreate(node).finally(() => this.pending.delete(node));
      this.pending.set(node, pending);
    }
    return pending;
  }

  private async lookOrCreate(node: string): Promise<SandboxInfo> {
    const names = sandboxNames(node);
    const info = await this.inspectContainer(names.container);
    if (info && !ours(info.Config.Labels, node))
      throw new ConflictError(`a container named ${names.container} exists and is not Rim's sandbox of ${node}`);
    if (info?.State.Running) {
      const address = info.NetworkSettings.Networks?.[names.network]?.IPAddress;
      if (address) {
        await this.joinSelf(names.network);
        return this.remember(node, { containerId: info.Id, address });
      }
    }
    if (info) await this.call(`remove sandbox ${names.container}`, () => this.removeContainer(info.Id));
    await this.ensureNetwork(node, names.network);
    const image = await this.image();
    const c = await this.call(`create sandbox ${names.container}`, () =>
      this.docker.createContainer(sandboxCreateOptions(node, names, image)),
    );
    await this.call(`start sandbox ${names.container}`, () => c.start());
    const started = await this.call(`inspect sandbox ${names.container}`, () => c.inspect());
    const address = started.NetworkSettings.Networks?.[names.network]?.IPAddress;
    if (!address) throw new ConflictError(`sandbox ${names.container} has no address on ${names.network}`);
    await this.joinSelf(names.network);
    return this.remember(node, { containerId: started.Id, address });
  }

  /** Removes the replicas still joined to the sandbox, the sandbox, this container's link to it and the network. */
  async remove(node: string): Promise<void> {
    const names = sandboxNames(node);
    this.known.delete(node);
    const info = await this.inspectContainer(names.container);
    if (info && ours(info.Config.Labels, node)) {
      const joined = await this.call('list replicas', () =>
        this.docker.listContainers({
          all: true,
          filters: JSON.stringify({ label: [`${LABEL.managed}=true`, `${LABEL.sandbox}=${info.Id}`] }),
        }),
      );
      for (const r of joined) await this.call(`remove ${r.Id.slice(0, 12)}`, () => this.removeContainer(r.Id));
      await this.call(`remove sandbox ${names.container}`, () => this.removeContainer(info.Id));
    }
    const net = await this.inspectNetwork(names.network);
    if (!net || !ours(net.Labels, node)) return;
    for (const id of Object.keys(net.Containers ?? {})) {
      await this.docker
        .getNetwork(names.network)
        .disconnect({ Container: id, Force: true })
        .catch(() => undefined);
    }
    await this.docker
      .getNetwork(names.network)
      .remove()
      .catch((e: unknown) => {
        if (statusOf(e) !== 404) throw this.toRimError(e, `remove network ${names.network}`);
      });
  }

  private remember(node: string, s: SandboxInfo): SandboxInfo {
    this.known.set(node, s);
    this.listedRunning.set(node, s.containerId);
    return s;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.toRimError(e, what);
    }
  }

  private async removeContainer(id: string): Promise<void> {
    await this.docker
      .getContainer(id)
      .remove({ force: true, v: true })
      .catch((e: unknown) => {
        if (statusOf(e) !== 404) throw e;
      });
  }

  private async inspectContainer(name: string): Promise<Docker.ContainerInspectInfo | undefined> {
    return this.call(`inspect ${name}`, () =>
      this.docker
        .getContainer(name)
        .inspect()
        .catch((e: unknown) => {
          if (statusOf(e) === 404) return undefined;
          throw e;
        }),
    );
  }

  private async inspectNetwork(name: string): Promise<Docker.NetworkInspectInfo | undefined> {
    return this.call(
      `inspect network ${name}`,
      () =>
        this.docker
          .getNetwork(name)
          .inspect()
          .catch((e: unknown) => {
            if (statusOf(e) === 404) return undefined;
            throw e;
          }) as Promise<Docker.NetworkInspectInfo | undefined>,
    );
  }

  private async ensureNetwork(node: string, name: string): Promise<void> {
    const net = await this.inspectNetwork(name);
    if (net) {
      if (!ours(net.Labels, node) || !net.Internal)
        throw new ConflictError(`a network named ${name} exists and is not Rim's internal sandbox network of ${node}`);
      return;
    }
    await this.call(`create network ${name}`, () =>
      this.docker.createNetwork(sandboxNetworkOptions(node, sandboxNames(node))).catch((e: unknown) => {
        if (statusOf(e) === 409) return undefined; // created meanwhile (checked on the next look)
        throw e;
      }),
    );
  }

  /** The appliance's own container, when it has a network namespace of its own, joins the sandbox's network. */
  private async joinSelf(network: string): Promise<void> {
    if (!this.self) return;
    const me = await this.inspectContainer(this.self);
    if (!me || !applianceJoinsNetwork(me.HostConfig.NetworkMode)) return;
    if (me.NetworkSettings.Networks?.[network]) return;
    await this.call(`connect the appliance's container to ${network}`, () =>
      this.docker.getNetwork(network).connect({ Container: this.self }),
    );
  }

  private async image(): Promise<string> {
    if (this.opts.image) return this.opts.image;
    const me = this.self ? await this.inspectContainer(this.self) : undefined;
    if (me?.Image) return me.Image;
    throw new ValidationError(
      'the replica sandbox needs an image: the appliance runs outside a container, so set ' +
        'RIM_DOCKER_SANDBOX_IMAGE to an image on this box that has `sleep` (rim/appliance has)',
      'docker.sandboxImage',
    );
  }
}
