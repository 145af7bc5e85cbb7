/**
 * What the chaos run reads from the test cluster: each box's view of the
 * cluster and its deployment list, the leader's plan, and every container
 * carrying Rim's labels for one of the cluster's boxes (from Docker itself,
 * not from Rim). All reads are asynchronous and bounded in time, so a
 * paused or cut-off box costs a timeout, never a stall.
 */
import { execFile } from 'node:child_process';
import type { TestCluster } from '../../test/integration/cluster-harness.js';
import type { Container, DeploymentRow, PlacementRow } from './invariants.js';

export function dockerAsync(args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('docker', args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new Error(`docker ${args.join(' ')}: ${stderr.trim() || err.message}`)) : resolve(stdout.trim()),
    ),
  );
}

export interface BoxView {
  box: string;
  leader: string | null;
  term: number;
  role: string;
  members: { id: string; state: string }[];
}

export interface Snapshot {
  views: Map<string, BoxView | undefined>;
  /** Each box's deployment names (undefined when the box did not answer, or the boxes did not agree on a leader). */
  listed: Map<string, string[] | undefined>;
  /** The leader's deployments with their state and measured SLO, and its plan. */
  deployments: DeploymentRow[];
  placements: PlacementRow[];
  /** Whether the leader's plan and deployments were read (the checks on them mean nothing otherwise). */
  planned: boolean;
  leader: string | null;
  containers: Container[];
  /** Boxes whose appliance container runs and is not paused. */
  live: string[];
}

async function getJson<T>(c: TestCluster, box: string, path: string, timeoutMs: number): Promise<T | undefined> {
  try {
    const r = await fetch(`http://${c.ip(box)}:7878${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    return r.ok ? ((await r.json()) as T) : undefined;
  } catch {
    return undefined;
  }
}

export async function boxView(c: TestCluster, box: string): Promise<BoxView | undefined> {
  const v = await getJson<Omit<BoxView, 'box'> & { self: string }>(c, box, '/v1/cluster', 2000);
  return v && { box, leader: v.leader, term: v.term, role: v.role, members: v.members };
}

/** The same, read from inside the box (for a box cut off the network). */
export async function boxViewInside(box: string): Promise<BoxView | undefined> {
  const script =
    "fetch('http://127.0.0.1:7878/v1/cluster',{signal:AbortSignal.timeout(3000)})" +
    '.then(r=>r.text()).then(t=>process.stdout.write(t),()=>process.stdout.write("null"))';
  try {
    const v = JSON.parse(await dockerAsync(['exec', box, 'node', '-e', script], 10_000)) as Omit<BoxView, 'box'> | null;
    return v ? { box, leader: v.leader, term: v.term, role: v.role, members: v.members } : undefined;
  } catch {
    return undefined;
  }
}

export async function rimContainers(c: TestCluster): Promise<Container[]> {
  const out = await dockerAsync([
    'ps',
    '-a',
    '--filter',
    'label=rim.managed=true',
    '--format',
    '{{.Names}}\t{{.Label "rim.node"}}\t{{.Label "rim.app"}}\t{{.Label "rim.module"}}\t{{.State}}' +
      '\t{{.Label "rim.role"}}',
  ]);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name = '', node = '', app = '', module = '', state = '', role = ''] = line.split('\t');
      return { name, node, app, module, running: state === 'running', role };
    })
    .filter((x) => x.node.startsWith(`${c.prefix}-box-`));
}

export async function liveBoxes(c: TestCluster): Promise<string[]> {
  const out = await dockerAsync(['inspect', '-f', '{{.Name}} {{.State.Running}} {{.State.Paused}}', ...c.boxes]).catch(
    () => '',
  );
  return out
    .split('\n')
    .map((l) => l.trim().split(' '))
    .filter(([, running, paused]) => running === 'true' && paused === 'false')
    .map(([name]) => name!.replace(/^\//, ''));
}

interface DeploymentView {
  name: string;
  app: string;
  state: string;
  measured?: { slo?: 'met' | 'violated' | null };
}

/** A box's deployment names, from its own store (GET /v1/apps/{app}: no measurements, no calls to its peers). */
async function listedOn(c: TestCluster, box: string, apps: readonly string[]): Promise<string[] | undefined> {
  const per = await Promise.all(apps.map((a) => getJson<{ deployments: string[] }>(c, box, `/v1/apps/${a}`, 5000)));
  return per.some((x) => !x) ? undefined : per.flatMap((x) => x!.deployments);
}

/**
 * Reads in stages, cheapest first, so that probing a starved cluster does
 * not load it further: the views and Docker's containers; only when the
 * boxes agree on a leader, the leader's plan and deployments (with their
 * measurements) and every box's own list.
 */
export async function snapshot(c: TestCluster, apps: readonly string[] = []): Promise<Snapshot> {
  const [viewList, containers, live] = await Promise.all([
    Promise.all(c.boxes.map((b) => boxView(c, b))),
    rimContainers(c),
    liveBoxes(c),
  ]);
  const views = new Map(c.boxes.map((b, i) => [b, viewList[i]]));
  const listed = new Map<string, string[] | undefined>(c.boxes.map((b) => [b, undefined]));
  const leader = viewList.find((v) => v?.role === 'leader')?.box ?? null;
  const agreed = leader !== null && viewList.every((v) => v && v.leader === leader && v.term === viewList[0]!.term);
  let deployments: DeploymentRow[] = [];
  let placements: PlacementRow[] = [];
  let planned = false;
  if (leader && agreed) {
    const [ds, plan, lists] = await Promise.all([
      getJson<DeploymentView[]>(c, leader, '/v1/deployments', 5000),
      getJson<{ placements: PlacementRow[] }>(c, leader, '/v1/plan', 5000),
      Promise.all(c.boxes.map((b) => listedOn(c, b, apps))),
    ]);
    deployments = (ds ?? []).map((d) => ({ name: d.name, app: d.app, state: d.state, slo: d.measured?.slo ?? null }));
    placements = (plan?.placements ?? []).map((p) => ({ deployment: p.deployment, module: p.module, node: p.node }));
    c.boxes.forEach((b, i) => listed.set(b, lists[i]));
    planned = ds !== undefined && plan !== undefined;
  }
  return { views, listed, deployments, placements, planned, leader, containers, live };
}
