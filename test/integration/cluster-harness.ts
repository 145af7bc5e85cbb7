/**
 * Test support: a real test cluster of rim/appliance boxes on the real
 * Docker engine (compose/up.sh), and what the cluster tests and the
 * failover benchmark do to it: read each box's API, kill a box with its
 * replicas, cut a box off the network and reconnect it, start a box that
 * joins the cluster later (`spare`, `join()`). Every name carries
 * a per-process prefix; `down()` removes everything by label.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { IMAGE_TAGS } from '../support/images.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const synthetic = fileURLToPath(new URL('../../images/samples/synthetic', import.meta.url));
export const CLUSTER_TOKEN = 'rim-it-cluster-token-0123456789';
export const ADMIN_TOKEN = 'rim-it-admin-token-0123456789';

export const docker = (...args: string[]): string =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).trim();

export interface ClusterView {
  name: string;
  leader: string | null;
  term: number;
  role: string;
  self: string;
  version: number;
  members: { id: string; address: string; state: string; voter: boolean }[];
}

export interface TestCluster {
  prefix: string;
  network: string;
  boxes: string[];
  ip(box: string): string;
  /** GET a box's API over the test network. */
  get<T>(box: string, path: string): Promise<T>;
  /** GET a box's API from inside the box (works even while it is cut off). */
  getInside<T>(box: string, path: string): Promise<T>;
  /** A change through a box's API (admin token). */
  post(box: string, path: string, body: unknown): Promise<{ status: number; body: unknown }>;
  view(box: string): Promise<ClusterView | undefined>;
  kill(box: string): void;
  start(box: string): void;
  /** Starts the next spare box (ClusterOptions.spare): it joins the running cluster. Its name. */
  join(): string;
  disconnect(box: string): void;
  connect(box: string): void;
  /** The names of the replica containers running for `box` (not its replica sandbox). */
  running(box: string): string[];
  logs(box: string): string;
  down(): void;
}

export interface ClusterOptions {
  boxes?: number;
  /** Boxes not started with the others (in the static peers all the same), for `join()`; 0 by default. */
  spare?: number;
  staticPeers?: boolean;
  /** Extra env for every box, e.g. RIM_LOG_LEVEL=debug. */
  env?: Record<string, string>;
  /** The profiler on every box (compose/up.sh's default); off unless asked, so other suites keep their timing. */
  profiling?: boolean;
  /** One emulated GPU model per box in turn (compose/up.sh's RIM_EMULATE_MODELS); CPU-only boxes by default. */
  emulateModels?: string[];
  /** The cluster's name prefix and /24 (e.g. "10.213.36"), instead of ones drawn from the tag and process id. */
  prefix?: string;
  netBase?: string;
  /** A host directory holding one directory per box, bind-mounted as its /data (compose/up.sh's RIM_DATA_ROOT). */
  dataRoot?: string;
}

export function startTestCluster(tag: string, opts: ClusterOptions = {}): TestCluster {
  const prefix = opts.prefix ?? `rimit${tag}${process.pid % 10000}`;
  const netBase = opts.netBase ?? `10.214.${20 + ((process.pid + tag.length * 37) % 200)}`;
  const subnet = `${netBase}.0/24`;
  const n = opts.boxes ?? 3;
  const total = n + (opts.spare ?? 0);
  const all = Array.from({ length: total }, (_, i) => `${prefix}-box-${i + 1}`);
  const boxes = all.slice(0, n);
  const ips = new Map(all.map((b, i) => [b, `${netBase}.${11 + i}`]));
  const network = `${prefix}-test`;
  const env = {
    ...process.env,
    RIM_PREFIX: prefix,
    RIM_BOXES: String(total),
    RIM_SUBNET: subnet,
    RIM_CLUSTER_TOKEN: CLUSTER_TOKEN,
    RIM_ADMIN_TOKEN: ADMIN_TOKEN,
    RIM_IMAGE: IMAGE_TAGS.appliance,
    RIM_STATIC_PEERS: opts.staticPeers ? '1' : '0',
    RIM_EMULATE_MODELS: opts.emulateModels?.join(',') ?? process.env.RIM_EMULATE_MODELS ?? '',
    RIM_PROFILING: opts.profiling ? 'true' : 'false',
    RIM_DATA_ROOT: opts.dataRoot ?? '',
    RIM_EXTRA_ENV: Object.entries(opts.env ?? {})
      .map(([k, v]) => `-e ${k}=${v}`)
      .join(' '),
  };
  const down = () => execFileSync('bash', ['compose/down.sh'], { cwd: root, env, stdio: 'ignore', timeout: 120_000 });
  down();
  const up = (first: number, last: number) =>
    execFileSync('bash', ['compose/up.sh'], {
      cwd: root,
      env: { ...env, RIM_FIRST_BOX: String(first), RIM_LAST_BOX: String(last) },
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 120_000,
    });
  up(1, n);

  const inBox = async (box: string, script: string): Promise<string> => {
    return new Promise((resolve, reject) => {
      import('node:child_process').then(({ execFile }) =>
        execFile('docker', ['exec', box, 'node', '-e', script], { timeout: 10_000 }, (err, stdout) =>
          err ? reject(err) : resolve(stdout),
        ),
      );
    });
  };
  const cluster: TestCluster = {
    prefix,
    network,
    boxes,
    ip: (box) => ips.get(box)!,
    get: async <T>(box: string, path: string) => {
      const r = await fetch(`http://${ips.get(box)}:7878${path}`, { signal: AbortSignal.timeout(2000) });
      return (await r.json()) as T;
    },
    getInside: async <T>(box: string, path: string) =>
      JSON.parse(
        await inBox(
          box,
          `fetch('http://127.0.0.1:7878${path}',{signal:AbortSignal.timeout(3000)}).then(r=>r.text()).then(t=>process.stdout.write(t),e=>{process.stdout.write('null')})`,
        ),
      ) as T,
    post: async (box, path, body) => {
      try {
        const r = await fetch(`http://${ips.get(box)}:7878${path}`, {
          method: 'POST',
          signal: AbortSignal.timeout(15_000),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
          body: JSON.stringify(body),
        });
        return { status: r.status, body: await r.json().catch(() => null) };
      } catch (e) {
        return { status: 0, body: String(e) };
      }
    },
    view: async (box) => cluster.get<ClusterView>(box, '/v1/cluster').catch(() => undefined),
    kill: (box) => {
      const replicas = docker('ps', '-q', '--filter', 'label=rim.managed=true', '--filter', `label=rim.node=${box}`)
        .split('\n')
        .filter(Boolean);
      docker('kill', box, ...replicas);
    },
    start: (box) => {
      docker('start', box);
    },
    join: () => {
      const box = all[boxes.length];
      if (!box) throw new Error(`no spare box left (spare: ${opts.spare ?? 0})`);
      up(boxes.length + 1, boxes.length + 1);
      boxes.push(box);
      return box;
    },
    disconnect: (box) => {
      docker('network', 'disconnect', network, box);
    },
    connect: (box) => {
      docker('network', 'connect', '--ip', ips.get(box)!, network, box);
    },
    running: (box) =>
      docker(
        'ps',
        '--filter',
        'label=rim.managed=true',
        '--filter',
        `label=rim.node=${box}`,
        '--filter',
        'status=running',
        '--format',
        '{{.Names}} {{.Label "rim.role"}}',
      )
        .split('\n')
        .filter((line) => line && !line.endsWith(' sandbox'))
        .map((line) => line.split(' ')[0]!),
    logs: (box) =>
      execFileSync('docker', ['logs', box], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
      }),
    down,
  };
  return cluster;
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A test's own app: the synthetic sample's image under `tag`, labelled with `manifest` (removed by the test). */
export function buildSyntheticApp(tag: string, manifest: object): void {
  execFileSync('docker', ['build', '-q', '-t', tag, '-f', '-', synthetic], {
    input:
      `FROM ${IMAGE_TAGS.synthetic}\nCOPY server.js /app/server.js\n` +
      `LABEL rim.manifest='${JSON.stringify(manifest)}'\n`,
    stdio: ['pipe', 'ignore', 'inherit'],
    timeout: 120_000,
  });
}

/**
 * Registers `image` through `box`. Right after an election a change may find no majority yet (503): it is sent
 * again, a second apart, for a minute, as a client would; the last answer is in the error.
 */
export async function registerApp(c: TestCluster, box: string, image: string): Promise<void> {
  let last: unknown;
  await waitFor(
    `app ${image} registered`,
    async () => {
      last = await c.post(box, '/v1/apps', { image });
      return [200, 201].includes((last as { status: number }).status);
    },
    60_000,
    1000,
  ).catch((e: Error) => {
    throw new Error(`${e.message}: ${JSON.stringify(last)}`);
  });
}

/** The leader every live box agrees on, with every box of `boxes` a member in the same term. */
export async function agreedLeader(c: TestCluster, boxes: string[], members = boxes.length): Promise<ClusterView> {
  const views = await Promise.all(boxes.map((b) => c.view(b)));
  const first = views[0];
  if (!first?.leader || views.some((v) => !v || v.leader !== first.leader || v.term !== first.term))
    return undefined as never;
  if (first.members.length < members) return undefined as never;
  return views.find((v) => v!.self === first.leader) ?? first;
}

/** An event as GET /v1/events sends it. */
export interface RimEvent {
  type: string;
  action: string;
  data: unknown;
}

/** Reads a box's event stream, handing each event to `on`, until the returned stop is called (or the box goes). */
export function listenEvents(c: TestCluster, box: string, on: (e: RimEvent) => void): () => void {
  const ac = new AbortController();
  void (async () => {
    const r = await fetch(`http://${c.ip(box)}:7878/v1/events`, { signal: ac.signal });
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of r.body as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      for (let i = text.indexOf('\n\n'); i >= 0; i = text.indexOf('\n\n')) {
        const data = /^data: (.*)$/m.exec(text.slice(0, i))?.[1];
        text = text.slice(i + 2);
        if (data) on(JSON.parse(data) as RimEvent);
      }
    }
  })().catch(() => undefined);
  return () => ac.abort();
}
