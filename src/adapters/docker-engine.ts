/**
 * The Docker side of ContainerEngine, through dockerode. Everything Rim starts
 * is labelled (rim.managed, rim.node, …) and unprivileged: no binds, no
 * devices but an NVIDIA device request for a GPU replica, every capability
 * dropped, no-new-privileges; fenced by the spec's memory, pids and CPU
 * limits, a non-root user and a read-only root (src/domain/replica-fence.ts).
 * dockerode's types and errors stop here: callers
 * see Rim's types and RimError subclasses only.
 */
import Docker from 'dockerode';
import type { Readable } from 'node:stream';
import {
  CONTAINER_EVENT_ACTIONS,
  imageNotOnBox,
  type ContainerEngine,
  type ContainerEvent,
  type ImageInfo,
  isContainerEventAction,
  type ReplicaStats,
  type SandboxInfo,
} from './container-engine.js';
import { dockerConnection } from './docker-connection.js';
import { createOptions, LABEL, SANDBOX_ROLE, type DockerEngineOptions } from './docker-create-options.js';
import { DockerSandboxes, type SandboxOptions } from './docker-sandbox.js';
import type { ContainerStatus, ObservedReplica, ReplicaSpec } from '../domain/types.js';
import { ConflictError, DockerUnavailableError, NotFoundError, RimError, ValidationError } from '../domain/errors.js';

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

/** Maps a dockerode/socket error to Rim's typed errors. */
export function toRimError(e: unknown, what: string): RimError {
  if (e instanceof RimError) return e;
  const err = e as { statusCode?: number; code?: string; message?: string; json?: { message?: string } };
  const detail = err.json?.message ?? err.message ?? String(e);
  if (err.code && UNAVAILABLE_CODES.has(err.code)) {
    return new DockerUnavailableError(`Docker engine unreachable (${err.code}) while trying to ${what}`, { cause: e });
  }
  switch (err.statusCode) {
    case 404:
      return new NotFoundError(`${what}: ${detail}`);
    case 409:
      return new ConflictError(`${what}: ${detail}`);
    case 400:
      return new ValidationError(`${what}: ${detail}`);
    default:
      return new RimError(`${what}: ${detail}`, { cause: e });
  }
}

/** `rim/x:1 (sha256:0123456789ab)` for a pinned id with its registered name, else the image as the spec names it. */
const imageNameOf = (spec: ReplicaSpec): string =>
  spec.imageRef ? `${spec.imageRef} (${spec.image.slice(0, 'sha256:'.length + 12)})` : spec.image;
const statusOf = (e: unknown) => (e as { statusCode?: number }).statusCode;
const epochMs = (iso?: string): number | undefined => {
  if (!iso || iso.startsWith('0001-')) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
};

export class DockerContainerEngine implements ContainerEngine {
  private readonly docker: Docker;
  private readonly lastCpu = new Map<string, { total: number; system: number }>();
  /** Inspected replicas by container id, reused while Docker's list shows the same state. */
  private readonly inspected = new Map<string, ObservedReplica>();

  private readonly sandboxes: DockerSandboxes;

  /** `selfContainer`: tests only (the container the appliance runs in; read from /proc by default). */
  constructor(
    private readonly opts: DockerEngineOptions = {},
    selfContainer?: SandboxOptions['selfContainer'],
  ) {
    this.docker = new Docker(dockerConnection(opts));
    this.sandboxes = new DockerSandboxes(this.docker, toRimError, {
      ...(opts.sandboxImage ? { image: opts.sandboxImage } : {}),
      ...(selfContainer !== undefined ? { selfContainer } : {}),
    });
  }

  ensureSandbox(node: string): Promise<SandboxInfo> {
    return this.sandboxes.ensure(node);
  }

  removeSandbox(node: string): Promise<void> {
    return this.sandboxes.remove(node);
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toRimError(e, what);
    }
  }

  async ping(): Promise<void> {
    await this.call('ping the engine', () => this.docker.ping());
  }

  async inspectImage(image: string): Promise<ImageInfo> {
    const info = await this.call(`inspect image ${image}`, () =>
      this.docker
        .getImage(image)
        .inspect()
        .catch((e: unknown) => {
          throw statusOf(e) === 404 ? imageNotOnBox(image) : e;
        }),
    );
    const label = info.Config?.Labels?.[LABEL.manifest];
    const user = info.Config?.User;
    return {
      digest: info.Id,
      tags: info.RepoTags ?? [],
      ...(label !== undefined ? { manifestLabel: label } : {}),
      ...(user ? { user } : {}),
    };
  }

  async listReplicas(node: string): Promise<ObservedReplica[]> {
    const list = await this.call('list containers', () =>
      this.docker.listContainers({
        all: true,
        filters: JSON.stringify({ label: [`${LABEL.managed}=true`, `${LABEL.node}=${node}`] }),
      }),
    );
    // The sandbox carries the node's labels too: it is not a replica, but its state tells the sandbox cache.
    const sandbox = list.find((c) => c.Labels?.[LABEL.role] === SANDBOX_ROLE && c.State === 'running');
    this.sandboxes.listed(node, sandbox?.Id);
    const replicas = list.filter((c) => c.Labels?.[LABEL.role] !== SANDBOX_ROLE);
    const ids = new Set(replicas.map((c) => c.Id));
    for (const id of this.inspected.keys()) if (!ids.has(id)) this.inspected.delete(id);
    const seen = await Promise.all(
      replicas.map(async (c) => {
        // Only Rim starts these containers (restart policy "no"), so an unchanged state means unchanged details.
        const known = this.inspected.get(c.Id);
        if (known && known.status === c.State && c.State !== 'restarting') return known;
        try {
          const info = await this.docker.getContainer(c.Id).inspect();
          const l = info.Config.Labels ?? {};
          const r: ObservedReplica = {
            containerId: info.Id,
            name: info.Name.replace(/^\//, ''),
            node: l[LABEL.node] ?? node,
            app: l[LABEL.app] ?? '',
            module: l[LABEL.module] ?? '',
            variant: l[LABEL.variant] ?? '',
            specHash: l[LABEL.specHash] ?? '',
            role: l[LABEL.role] === 'profiling' ? 'profiling' : 'replica',
            port: Number(l[LABEL.port] ?? 0),
            status: info.State.Status as ContainerStatus,
          };
          const startedAt = epochMs(info.State.StartedAt);
          const finishedAt = epochMs(info.State.FinishedAt);
          if (startedAt !== undefined) r.startedAt = startedAt;
          if (finishedAt !== undefined) r.finishedAt = finishedAt;
          const createdAt = epochMs(info.Created);
          if (createdAt !== undefined) r.createdAt = createdAt;
          if (l[LABEL.sandbox]) r.sandbox = l[LABEL.sandbox];
          if (r.status === 'exited' || r.status === 'dead') r.exitCode = info.State.ExitCode;
          this.inspected.set(c.Id, r);
          return r;
        } catch (e) {
          if (statusOf(e) === 404) return undefined; // removed between list and inspect
          throw toRimError(e, `inspect container ${c.Id.slice(0, 12)}`);
        }
      }),
    );
    return seen
      .filter((r): r is ObservedReplica => r !== undefined)
      .map((r) => ({ ...r }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async create(spec: ReplicaSpec): Promise<string> {
    // The image's own user decides the replica's (never root unless the manifest says so).
    const info = await this.inspectImage(spec.image).catch((e: unknown) => {
      throw e instanceof NotFoundError ? imageNotOnBox(imageNameOf(spec)) : e;
    });
    const image = await this.imageToRun(spec);
    const sandbox = await this.ensureSandbox(spec.node);
    // Docker answers 404 to a create only when the image is missing.
    const c = await this.call(`create container ${spec.name}`, () =>
      this.docker
        .createContainer(createOptions(spec, this.opts, sandbox.containerId, image, info.user))
        .catch((e: unknown) => {
          throw statusOf(e) === 404 ? imageNotOnBox(imageNameOf(spec)) : e;
        }),
    );
    return c.id;
  }

  /** The registered name while it still names the pinned id (so `docker ps` shows a name), else the pinned id. */
  private async imageToRun(spec: ReplicaSpec): Promise<string> {
    if (!spec.imageRef) return spec.image;
    try {
      return (await this.docker.getImage(spec.imageRef).inspect()).Id === spec.image ? spec.imageRef : spec.image;
    } catch {
      return spec.image; // the name is gone or moved: the id still runs what was registered
    }
  }

  async start(containerId: string): Promise<void> {
    try {
      await this.docker.getContainer(containerId).start();
    } catch (e) {
      if (statusOf(e) === 304) return; // already running
      throw toRimError(e, `start container ${containerId.slice(0, 12)}`);
    }
  }

  async stop(containerId: string, graceS = 5): Promise<void> {
    try {
      await this.docker.getContainer(containerId).stop({ t: graceS });
    } catch (e) {
      if (statusOf(e) === 304) return; // already stopped
      throw toRimError(e, `stop container ${containerId.slice(0, 12)}`);
    }
  }

  async remove(containerId: string): Promise<void> {
    this.lastCpu.delete(containerId);
    try {
      await this.docker.getContainer(containerId).remove({ force: true, v: true });
    } catch (e) {
      const s = statusOf(e);
      if (s === 404) return; // already gone
      if (s === 409 && /already in progress/i.test(String((e as Error).message))) return;
      throw toRimError(e, `remove container ${containerId.slice(0, 12)}`);
    }
  }

  async stats(containerId: string): Promise<ReplicaStats> {
    const s = await this.call(`read stats of ${containerId.slice(0, 12)}`, () =>
      this.docker.getContainer(containerId).stats({ stream: false }),
    );
    const total = s.cpu_stats.cpu_usage.total_usage;
    const system = s.cpu_stats.system_cpu_usage ?? 0;
    const cores = s.cpu_stats.online_cpus ?? s.cpu_stats.cpu_usage.percpu_usage?.length ?? 1;
    // Averaged since our previous sample when there is one, else over Docker's own ~1 s window.
    const prev = this.lastCpu.get(containerId) ?? {
      total: s.precpu_stats.cpu_usage?.total_usage ?? 0,
      system: s.precpu_stats.system_cpu_usage ?? 0,
    };
    this.lastCpu.set(containerId, { total, system });
    const dSystem = system - prev.system;
    const cpuCores = dSystem > 0 ? Math.max(0, ((total - prev.total) / dSystem) * cores) : 0;
    const mem = s.memory_stats as { usage?: number; stats?: Record<string, number> };
    const cache = mem.stats?.total_inactive_file ?? mem.stats?.inactive_file ?? mem.stats?.cache ?? 0;
    return { cpuCores, memoryMB: Math.max(0, (mem.usage ?? 0) - cache) / (1024 * 1024) };
  }

  async watch(node: string, onEvent: (e: ContainerEvent) => void, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const stream = (await this.call('subscribe to engine events', () =>
      this.docker.getEvents({
        filters: {
          type: ['container'],
          event: [...CONTAINER_EVENT_ACTIONS],
          label: [`${LABEL.managed}=true`, `${LABEL.node}=${node}`],
        },
      }),
    )) as Readable;
    // Aborted while subscribing: the listener below would never hear it, and the stream would hold the caller.
    if (signal.aborted) {
      stream.destroy();
      return;
    }
    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      const stop = () => {
        stream.destroy();
        resolve();
      };
      signal.addEventListener('abort', stop, { once: true });
      stream.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (!line) continue;
          try {
            const ev = JSON.parse(line) as { id?: string; Action?: string; status?: string };
            const action = ev.Action ?? ev.status ?? '';
            if (ev.id && isContainerEventAction(action)) onEvent({ containerId: ev.id, action });
          } catch {
            /* a partial or foreign line: ignore */
          }
        }
      });
      stream.on('end', () => {
        signal.removeEventListener('abort', stop);
        resolve();
      });
      stream.on('error', (e) => {
        signal.removeEventListener('abort', stop);
        if (signal.aborted) resolve();
        else reject(toRimError(e, 'follow engine events'));
      });
    });
  }

  /**
   * Reads one file out of an image without running it (the profiler's sample
   * input): creates a stopped container, copies the file out, removes it.
   */
  async readImageFile(image: string, path: string, maxBytes = 64 * 1024 * 1024): Promise<Buffer> {
    const c = await this.call(`create a reader container for ${image}`, () =>
      this.docker.createContainer({
        Image: image,
        Cmd: ['true'],
        Labels: { [LABEL.managed]: 'false' },
        HostConfig: { NetworkMode: 'none', CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'] },
      }),
    );
    try {
      const tar = (await this.call(`read ${path} from ${image}`, () => c.getArchive({ path }))) as unknown as Readable;
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of tar) {
        size += (chunk as Buffer).length;
        if (size > maxBytes + 1024) throw new ValidationError(`${path} in ${image} is over ${maxBytes} bytes`);
        chunks.push(chunk as Buffer);
      }
      return firstTarEntry(Buffer.concat(chunks), `${path} in ${image}`);
    } finally {
      await c.remove({ force: true, v: true }).catch(() => undefined);
    }
  }
}

/** The body of the first regular file in a tar archive (ustar: 512-byte header, size in octal at 124). */
function firstTarEntry(tar: Buffer, what: string): Buffer {
  let off = 0;
  while (off + 512 <= tar.length) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0/g, '').trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    const body = off + 512;
    if (type === '0' || type === '\0') return Buffer.from(tar.subarray(body, body + size));
    off = body + Math.ceil(size / 512) * 512;
  }
  throw new NotFoundError(`${what}: not a regular file`);
}
