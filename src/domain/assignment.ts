/**
 * From a Plan to what one node must run (its Assignment). Ports come from a
 * configured range and stay with a replica across re-plans, so a replica
 * that keeps its place is never restarted just because the plan changed
 * elsewhere. Pure.
 */
import { ValidationError } from './errors.js';
import { DEFAULT_VARIANT } from './manifest.js';
import { bindingFor, buildReplicaSpec, replicaName } from './replica-spec.js';
import type { MeasuredUse } from './replica-fence.js';
import type { Assignment, Deployment, NodeInventory, Placement, Plan, Profile, RegisteredApp } from './types.js';

export interface PortRange {
  from: number;
  to: number;
}

/** Ports handed out so far, by replica name. */
export type PortBook = Readonly<Record<string, number>>;

/**
 * Gives every name a port: the one it already has when still free, else the
 * lowest free port of the range. Names not asked for give their ports back.
 */
export function allocatePorts(names: readonly string[], previous: PortBook, range: PortRange): PortBook {
  const wanted = [...new Set(names)].sort();
  const out: Record<string, number> = {};
  const used = new Set<number>();
  for (const n of wanted) {
    const p = previous[n];
    if (p !== undefined && p >= range.from && p <= range.to && !used.has(p)) {
      out[n] = p;
      used.add(p);
    }
  }
  let next = range.from;
  for (const n of wanted) {
    if (out[n] !== undefined) continue;
    while (used.has(next) && next <= range.to) next++;
    if (next > range.to) {
      throw new ValidationError(
        `ports.range ${range.from}-${range.to} has no free port left for ${n} (${wanted.length} replicas)`,
        'ports.range',
      );
    }
    out[n] = next;
    used.add(next);
  }
  return out;
}

export interface AssignmentInput {
  node: NodeInventory;
  plan: Plan;
  apps: readonly RegisteredApp[];
  deployments: readonly Pick<Deployment, 'name' | 'app'>[];
  ports: PortBook;
  range: PortRange;
  version: number;
  /** Measured profiles: a replica's limits follow its module's profile when there is one. */
  profiles?: readonly Profile[];
}

/**
 * The node's replicas: one per (app, module, variant, accelerator) placed on
 * it, whatever the number of deployments sharing it.
 */
export function assignmentForNode(input: AssignmentInput): { assignment: Assignment; ports: PortBook } {
  const { node, plan, apps, deployments } = input;
  const appOf = new Map(deployments.map((d) => [d.name, d.app]));
  const appByName = new Map(apps.map((a) => [a.name, a]));
  const wanted = new Map<string, { app: RegisteredApp; p: Placement; variant: string }>();
  for (const p of plan.placements) {
    if (p.node !== node.id) continue;
    const app = appByName.get(appOf.get(p.deployment) ?? '');
    if (!app) continue; // a deployment or app deleted since the plan was made
    const variant = p.variant ?? DEFAULT_VARIANT;
    const name = replicaName(node.id, app.name, p.module, variant, p.accelerator);
    if (!wanted.has(name)) wanted.set(name, { app, p, variant });
  }
  const ports = allocatePorts([...wanted.keys()], input.ports, input.range);
  const replicas = [...wanted.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, { app, p, variant }]) =>
      buildReplicaSpec({
        node: node.id,
        app,
        module: p.module,
        variant,
        accelerator: bindingFor(p.accelerator, node.accelerators),
        port: ports[name]!,
        measured: measuredUse(input.profiles, app.name, p.module, variant, modelOf(p.accelerator, node)),
      }),
    );
  return { assignment: { node: node.id, version: input.version, replicas }, ports };
}

/** The accelerator model a placement's accelerator id names on `node` (`cpu` for the cores). */
function modelOf(acceleratorId: string, node: NodeInventory): string {
  if (acceleratorId === 'cpu') return 'cpu';
  return node.accelerators.find((a) => a.id === acceleratorId)?.model ?? acceleratorId;
}

/** The measured use of one module variant on one accelerator model, when profiled. */
export function measuredUse(
  profiles: readonly Profile[] | undefined,
  app: string,
  module: string,
  variant: string,
  model: string,
): MeasuredUse | undefined {
  const p = profiles?.find(
    (x) =>
      x.app === app && x.module === module && x.accelerator === model && (x.variant ?? DEFAULT_VARIANT) === variant,
  );
  return p ? { cpuCores: p.cpuCores, memoryMB: p.memoryMB } : undefined;
}
