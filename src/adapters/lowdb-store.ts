/**
 * The Store on lowdb: one JSON file under the data dir, written atomically
 * (lowdb's JSONFile writes through steno: temp file + rename). Updates are
 * serialised through one promise chain, so a read-modify-write never races.
 */
import { mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import type { ClusterDocument } from '../domain/types.js';
import type { NodeLocalState, Store } from './store.js';

export const STATE_FILE = 'rim-state.json';

interface StateFile {
  cluster: ClusterDocument;
  local: NodeLocalState;
}

/** A node id that an operator recognises (the host name) and that two boxes never share. */
export function newNodeId(host = hostname()): string {
  const base =
    host
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48) || 'node';
  return `${base}-${randomBytes(2).toString('hex')}`;
}

export const emptyDocument = (clusterName: string): ClusterDocument => ({
  version: 0,
  clusterName,
  apps: [],
  deployments: [],
  profiles: [],
  members: [],
});

export class LowdbStore implements Store {
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: Low<StateFile>,
    readonly file: string,
  ) {}

  /** Opens (or creates) the state file; generates the node id once. */
  static async open(dataDir: string, opts: { clusterName: string; now?: () => number }): Promise<LowdbStore> {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const file = join(dataDir, STATE_FILE);
    const now = opts.now ?? Date.now;
    const db = new Low<StateFile>(new JSONFile<StateFile>(file), {
      cluster: emptyDocument(opts.clusterName),
      local: { nodeId: newNodeId(), createdAt: now() },
    });
    try {
      await db.read();
    } catch (e) {
      throw new Error(`store: ${file} cannot be read (${(e as Error).message}); move it away to start afresh`, {
        cause: e,
      });
    }
    // Fill what an older or hand-edited file lacks, then make sure it is on disk.
    db.data.cluster = { ...emptyDocument(opts.clusterName), ...db.data.cluster };
    db.data.local ??= { nodeId: newNodeId(), createdAt: now() };
    db.data.local.nodeId ||= newNodeId();
    await db.write();
    return new LowdbStore(db, file);
  }

  read(): ClusterDocument {
    return structuredClone(this.db.data.cluster);
  }

  update(fn: (doc: ClusterDocument) => ClusterDocument | void): Promise<ClusterDocument> {
    return this.serialise(async () => {
      const draft = structuredClone(this.db.data.cluster);
      const next = fn(draft) ?? draft;
      next.version = this.db.data.cluster.version + 1;
      await this.commit({ ...this.db.data, cluster: next });
      return structuredClone(next);
    });
  }

  replace(doc: ClusterDocument): Promise<void> {
    return this.serialise(() => this.commit({ ...this.db.data, cluster: structuredClone(doc) }));
  }

  local(): NodeLocalState {
    return structuredClone(this.db.data.local);
  }

  updateLocal(fn: (local: NodeLocalState) => NodeLocalState | void): Promise<NodeLocalState> {
    return this.serialise(async () => {
      const draft = structuredClone(this.db.data.local);
      const next = fn(draft) ?? draft;
      await this.commit({ ...this.db.data, local: next });
      return structuredClone(next);
    });
  }

  /** Writes `data`; only once it is on disk does memory change (a failed write changes nothing). */
  private async commit(data: StateFile): Promise<void> {
    const before = this.db.data;
    this.db.data = data;
    try {
      await this.db.write();
    } catch (e) {
      this.db.data = before;
      throw e;
    }
  }

  private serialise<T>(op: () => Promise<T>): Promise<T> {
    const run = this.chain.then(op, op);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
