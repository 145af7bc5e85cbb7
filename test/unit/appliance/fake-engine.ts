/**
 * A ContainerEngine in memory, for the appliance's unit tests: images with
 * labels, containers that are created, started, stopped and removed, an
 * "unreachable" switch. The real engine is covered by the integration tests.
 */
import {
  imageNotOnBox, type ContainerEngine, type ImageInfo, type ReplicaStats,
} from '../../../src/adapters/container-engine.js';
import { DockerUnavailableError, NotFoundError } from '../../../src/domain/errors.js';
import type { ContainerStatus, ObservedReplica, ReplicaSpec } from '../../../src/domain/types.js';

interface FakeContainer { id: string; spec: ReplicaSpec; status: ContainerStatus; startedAt?: number }

export class FakeEngine implements ContainerEngine {
  reachable = true;
  readonly images = new Map<string, ImageInfo>();
  readonly containers = new Map<string, FakeContainer>();
  readonly calls: string[] = [];
  private seq = 0;

  addImage(ref: string, manifest: unknown, digest = `sha256:${ref.replace(/\W/g, '').padEnd(12, '0')}`): void {
    this.images.set(ref, { digest, tags: [ref], manifestLabel: typeof manifest === 'string' ? manifest : JSON.stringify(manifest) });
  }

  private check(what: string): void {
    this.calls.push(what);
    if (!this.reachable) throw new DockerUnavailableError(`Docker engine unreachable (ENOENT) while trying to ${what}`);
  }

  async ping(): Promise<void> { this.check('ping'); }

  async inspectImage(image: string): Promise<ImageInfo> {
    this.check(`inspect ${image}`);
    const info = this.images.get(image);
    if (!info) throw imageNotOnBox(image);
    return structuredClone(info);
  }

  async listReplicas(node: string): Promise<ObservedReplica[]> {
    this.check('list');
    return [...this.containers.values()].filter((c) => c.spec.node === node).map((c) => ({
      containerId: c.id, name: c.spec.name, node: c.spec.node, app: c.spec.app, module: c.spec.module,
      variant: c.spec.variant, specHash: c.spec.specHash, role: c.spec.role, port: c.spec.port, status: c.status,
      ...(c.startedAt ? { startedAt: c.startedAt } : {}),
    }));
  }

  async create(spec: ReplicaSpec): Promise<string> {
    this.check(`create ${spec.name}`);
    const id = `c${++this.seq}`.padEnd(64, '0');
    this.containers.set(id, { id, spec, status: 'created' });
    return id;
  }

  async start(id: string): Promise<void> {
    this.check(`start ${id}`);
    const c = this.containers.get(id);
    if (!c) throw new NotFoundError(`no container ${id}`);
    c.status = 'running';
    c.startedAt = Date.now();
  }

  async stop(id: string): Promise<void> {
    this.check(`stop ${id}`);
    const c = this.containers.get(id);
    if (c) c.status = 'exited';
  }

  async remove(id: string): Promise<void> {
    this.check(`remove ${id}`);
    this.containers.delete(id);
  }

  async stats(): Promise<ReplicaStats> { return { cpuCores: 0, memoryMB: 0 }; }

  async watch(_node: string, _on: (e: { containerId: string; action: string }) => void, signal: AbortSignal): Promise<void> {
    this.check('watch');
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  }

  running(): ReplicaSpec[] {
    return [...this.containers.values()].filter((c) => c.status === 'running').map((c) => c.spec);
  }
}

/** A manifest like the synthetic sample: cpu → gpu → cpu. */
export const pipelineManifest = (name = 'pipeline') => ({
  apiVersion: 'rim/v1', name, entry: 'decode',
  modules: [
    { name: 'decode', image: 'self', command: ['node', 'server.js'], accelerator: 'cpu', next: ['detect'] },
    { name: 'detect', image: 'self', command: ['node', 'server.js'], accelerator: 'gpu', next: ['track'] },
    { name: 'track', image: 'self', command: ['node', 'server.js'], accelerator: 'cpu', next: [] },
  ],
  defaults: { fps: 10, latencyMs: 500 },
});

export const singleManifest = (name = 'single') => ({
  apiVersion: 'rim/v1', name, entry: 'work',
  modules: [{ name: 'work', image: 'self', accelerator: 'cpu', next: [] }],
});
