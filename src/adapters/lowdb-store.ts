/**
 * The Store on lowdb: one JSON file under the data dir, written atomically
 * (lowdb's TextFile writes through steno: temp file + rename). Updates are
 * serialised through one promise chain, so a read-modify-write never races.
 *
 * The file is validated whole on load (state-file.ts). After every write the
 * same content goes to a last-good copy; a damaged file is replaced by that
 * copy (with a warning, the damaged one kept aside), and when no valid copy
 * exists the store refuses to open: never an empty state over a damaged one.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { TextFile } from 'lowdb/node';
import type { ClusterDocument } from '../domain/types.js';
import { parseStateFile, type StateFile } from './state-file.js';
import { StateFileError, StoreClosedError, type NodeLocalState, type Store } from './store.js';

export const STATE_FILE = 'rim-state.json';
export const LAST_GOOD_SUFFIX = '.last-good';
const PROBE_FILE = '.rim-write-probe';
/** /readyz may be polled often: the data dir is probed at most this often (ms). */
const PROBE_EVERY_MS = 1000;

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

export interface StoreOpenOptions {
  clusterName: string;
  now?: () => number;
  /** Told when the store started from the last-good copy (the root logs it). */
  warn?: (message: string, detail: Record<string, unknown>) => void;
}

const errorCode = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateFileError(`store: ${file} cannot be read (${errorCode(e)})`, { cause: e });
  }
}

export class LowdbStore implements Store {
  private chain: Promise<unknown> = Promise.resolve();
  private lastWriteError?: string;
  private probe?: { at: number; result: Promise<string | undefined> };
  private closed = false;

  private constructor(
    private data: StateFile,
    private readonly files: { main: TextFile; lastGood: TextFile },
    readonly file: string,
    private readonly dataDir: string,
  ) {}

  /**
   * Opens (or creates) the state file; generates the node id once. Throws
   * StateFileError naming the file and the field when neither the file nor
   * its last-good copy is valid.
   */
  static async open(dataDir: string, opts: StoreOpenOptions): Promise<LowdbStore> {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const file = join(dataDir, STATE_FILE);
    const lastGoodFile = file + LAST_GOOD_SUFFIX;
    const now = opts.now ?? Date.now;
    const files = { main: new TextFile(file), lastGood: new TextFile(lastGoodFile) };
    const [mainText, goodText] = [await readText(file), await readText(lastGoodFile)];
    const main = mainText === undefined ? undefined : parseStateFile(mainText);
    let data: StateFile;
    if (main?.ok) {
      data = main.data;
    } else if (main === undefined && goodText === undefined) {
      data = { cluster: emptyDocument(opts.clusterName), local: { nodeId: newNodeId(), createdAt: now() } };
    } else {
      const good = goodText === undefined ? undefined : parseStateFile(goodText);
      const problem = main ? `${file} cannot be read: damaged (${main.why})` : `${file} is missing`;
      if (!good?.ok) {
        const copy = good
          ? `its last-good copy ${lastGoodFile} is damaged too (${good.why})`
          : `there is no last-good copy ${lastGoodFile}`;
        throw new StateFileError(
          `store: ${problem} and ${copy}. Rim does not start on an empty state over a damaged ` +
            'one (that would remove every replica): restore a good copy, or move both files away to start afresh.',
        );
      }
      data = good.data;
      const aside = mainText === undefined ? undefined : `${file}.damaged-${now()}`;
      if (aside) await rename(file, aside);
      const version = data.cluster.version;
      opts.warn?.(
        `store: ${problem}; started from the last-good copy ${lastGoodFile} (version ${version})` +
          `${aside ? `; the damaged file is kept as ${aside}` : ''}`,
        { file, lastGood: lastGoodFile, aside },
      );
    }
    const store = new LowdbStore(data, files, file, dataDir);
    await store.commit(data);
    return store;
  }

  read(): ClusterDocument {
    return structuredClone(this.data.cluster);
  }

  update(fn: (doc: ClusterDocument) => ClusterDocument | void): Promise<ClusterDocument> {
    return this.serialise(async () => {
      const draft = structuredClone(this.data.cluster);
      const next = fn(draft) ?? draft;
      next.version = this.data.cluster.version + 1;
      await this.commit({ ...this.data, cluster: next });
      return structuredClone(next);
    });
  }

  replace(doc: ClusterDocument): Promise<void> {
    return this.serialise(() => this.commit({ ...this.data, cluster: structuredClone(doc) }));
  }

  local(): NodeLocalState {
    return structuredClone(this.data.local);
  }

  updateLocal(fn: (local: NodeLocalState) => NodeLocalState | void): Promise<NodeLocalState> {
    return this.serialise(async () => {
      const draft = structuredClone(this.data.local);
      const next = fn(draft) ?? draft;
      await this.commit({ ...this.data, local: next });
      return structuredClone(next);
    });
  }

  /**
   * Why this store cannot write now, or undefined when it can: the data dir
   * probed with a real write (at most once a second), or the last write's failure.
   */
  writeProblem(): Promise<string | undefined> {
    if (!this.probe || Date.now() - this.probe.at >= PROBE_EVERY_MS) {
      this.probe = { at: Date.now(), result: this.probeDataDir() };
    }
    return this.probe.result.then((p) => p ?? this.lastWriteError);
  }

  private async probeDataDir(): Promise<string | undefined> {
    const probe = join(this.dataDir, PROBE_FILE);
    try {
      await writeFile(probe, 'probe\n');
      await rm(probe, { force: true });
      return undefined;
    } catch (e) {
      return `data dir ${this.dataDir} is not writable (${errorCode(e)})`;
    }
  }

  /**
   * Writes `data`, then the same text as the last-good copy; only once the
   * state file is on disk does memory change (a failed write changes nothing).
   */
  private async commit(data: StateFile): Promise<void> {
    const text = JSON.stringify(data, null, 2);
    try {
      await this.files.main.write(text);
    } catch (e) {
      this.lastWriteError = `writing ${this.file} failed (${errorCode(e)})`;
      throw e;
    }
    this.data = data;
    try {
      await this.files.lastGood.write(text);
      this.lastWriteError = undefined;
    } catch (e) {
      // The state is safe on disk; only the spare copy is behind. /readyz says so until a write succeeds.
      this.lastWriteError = `writing ${this.file}${LAST_GOOD_SUFFIX} failed (${errorCode(e)})`;
    }
  }

  /**
   * Lets the writes already queued land, then refuses every later one
   * (StoreClosedError). A stopped appliance (or a test's node) closes its
   * store before anything opens the same data dir again: two writers of
   * one state file race on its temporary file (a rename fails ENOENT) and
   * the late one would overwrite the newer state.
   */
  close(): Promise<void> {
    this.closed = true;
    return this.chain.then(() => undefined);
  }

  private serialise<T>(op: () => Promise<T>): Promise<T> {
    if (this.closed) {
      const why = `store: ${this.file} is closed (the node is stopping); nothing written`;
      return Promise.reject(new StoreClosedError(why));
    }
    const run = this.chain.then(op, op);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
