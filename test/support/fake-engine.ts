/**
 * The one ContainerEngine in memory for every unit suite (the adapter
 * interface, nothing deeper): images with labels and files, containers that
 * are created, started, stopped, killed and removed, engine events, and an
 * "unreachable" switch. The real engine is covered by the integration tests.
 */
import {
  imageNotOnBox,
  type ContainerEngine,
  type ContainerEvent,
  type ImageInfo,
  type ReplicaStats,
  type SandboxInfo,
} from '../../src/adapters/container-engine.js';
import { DockerUnavailableError, NotFoundError } from '../../src/domain/errors.js';
import type { ObservedReplica, ReplicaSpec } from '../../src/domain/types.js';

/** A container as the engine reports it, with the spec it was created from. */
export interface FakeContainer extends ObservedReplica {
  spec: ReplicaSpec;
}

type EngineEvent = ContainerEvent;

export class FakeEngine implements ContainerEngine {
  /** false: every call fails with DockerUnavailableError, as with no Docker socket. */
  reachable = true;
  readonly images = new Map<string, ImageInfo>();
  /** Files inside images, by `${image}:${path}` (readImageFile). */
  readonly files = new Map<string, Buffer>();
  readonly containers = new Map<string, FakeContainer>();
  /** Changes asked of the engine, in order, answered or not: `create <name>`, `start|stop|remove <id>`. */
  calls: string[] = [];
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private seq = 0;
  /** Each node's sandbox; replicas answer on loopback here (the fakes' replicas are local HTTP servers). */
  readonly sandboxes = new Map<string, SandboxInfo>();

  async ensureSandbox(node: string): Promise<SandboxInfo> {
    this.check(`ensure the sandbox of ${node}`);
    let s = this.sandboxes.get(node);
    if (!s) {
      s = { containerId: `sandbox${++this.seq}`.padEnd(64, '0'), address: '127.0.0.1' };
      this.sandboxes.set(node, s);
    }
    return { ...s };
  }

  async removeSandbox(node: string): Promise<void> {
    this.check(`remove the sandbox of ${node}`);
    this.sandboxes.delete(node);
  }

  addImage(ref: string, manifest: unknown, digest = `sha256:${ref.replace(/\W/g, '').padEnd(12, '0')}`): void {
    const manifestLabel = typeof manifest === 'string' ? manifest : JSON.stringify(manifest);
    this.images.set(ref, { digest, tags: [ref], manifestLabel });
  }

  private check(what: string): void {
    if (!this.reachable) throw new DockerUnavailableError(`Docker engine unreachable (ENOENT) while trying to ${what}`);
  }

  async ping(): Promise<void> {
    this.check('ping');
  }

  async inspectImage(image: string): Promise<ImageInfo> {
    this.check(`inspect ${image}`);
    const info = this.images.get(image);
    if (!info) throw imageNotOnBox(image);
    return structuredClone(info);
  }

  async listReplicas(node: string): Promise<ObservedReplica[]> {
    this.check('list');
    return [...this.containers.values()].filter((c) => c.node === node).map(({ spec: _spec, ...observed }) => observed);
  }

  async create(spec: ReplicaSpec): Promise<string> {
    this.calls.push(`create ${spec.name}`);
    this.check(`create ${spec.name}`);
    const id = `c${++this.seq}`.padEnd(64, '0');
    this.containers.set(id, {
      containerId: id,
      name: spec.name,
      node: spec.node,
      app: spec.app,
      module: spec.module,
      variant: spec.variant,
      specHash: spec.specHash,
      role: spec.role,
      port: spec.port,
      status: 'created',
      sandbox: (await this.ensureSandbox(spec.node)).containerId,
      spec,
    });
    return id;
  }

  async start(id: string): Promise<void> {
    this.calls.push(`start ${id}`);
    this.check(`start ${id}`);
    const c = this.containers.get(id);
    if (!c) throw new NotFoundError(`no container ${id}`);
    c.status = 'running';
    c.startedAt = Date.now();
  }

  async stop(id: string): Promise<void> {
    this.calls.push(`stop ${id}`);
    this.check(`stop ${id}`);
    const c = this.containers.get(id);
    if (c) Object.assign(c, { status: 'exited', exitCode: 0, finishedAt: Date.now() });
  }

  async remove(id: string): Promise<void> {
    this.calls.push(`remove ${id}`);
    this.check(`remove ${id}`);
    this.containers.delete(id);
  }

  async stats(): Promise<ReplicaStats> {
    return { cpuCores: 0, memoryMB: 0 };
  }

  async watch(_node: string, on: (e: EngineEvent) => void, signal: AbortSignal): Promise<void> {
    this.check('watch');
    this.listeners.add(on);
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    this.listeners.delete(on);
  }

  async readImageFile(image: string, path: string): Promise<Buffer> {
    this.check(`read ${path} from ${image}`);
    const body = this.files.get(`${image}:${path}`);
    if (!body) throw new NotFoundError(`read ${path} from ${image}: no such file`);
    return Buffer.from(body);
  }

  /** A replica dies (docker kill): Docker says so through its events. */
  kill(id: string): void {
    Object.assign(this.containers.get(id)!, { status: 'exited', exitCode: 137, finishedAt: Date.now() });
    for (const l of this.listeners) l({ containerId: id, action: 'die' });
  }

  /** The specs of the running containers. */
  running(): ReplicaSpec[] {
    return [...this.containers.values()].filter((c) => c.status === 'running').map((c) => c.spec);
  }
}
