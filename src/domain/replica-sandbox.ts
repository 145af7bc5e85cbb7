/**
 * The replica sandbox (docs/design.md, "Replica fence"): per box, one idle
 * container on an internal Docker network of Rim's own; every replica joins
 * its network namespace, so whatever a module binds is on the sandbox's
 * loopback and its internal-network address, which the appliance reaches and
 * the LAN does not. Pure: the names, and how the appliance finds its own
 * container (whose image the sandbox runs, and which joins the network when
 * the appliance has a network namespace of its own).
 */
import { createHash } from 'node:crypto';

/** What a sandbox is called on a node: its container and its network. */
export interface SandboxNames {
  container: string;
  network: string;
}

/** Docker's container and network name grammar, and a length that keeps `container:<name>` short. */
const NAME_OK = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/**
 * The part of a name that says the node: the node id itself when Docker
 * takes it as a name, else its safe characters and a short hash of the id
 * (two node ids never share a sandbox).
 */
export function nodeNamePart(node: string): string {
  if (NAME_OK.test(node)) return node;
  const safe = node
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .slice(0, 40)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  const hash = createHash('sha256').update(node).digest('hex').slice(0, 10);
  return safe ? `${safe}-${hash}` : hash;
}

export function sandboxNames(node: string): SandboxNames {
  const part = nodeNamePart(node);
  return { container: `rim-sandbox-${part}`, network: `rim-replicas-${part}` };
}

/** The network mode of a replica: the sandbox's namespace. */
export const sandboxNetworkMode = (sandboxId: string): string => `container:${sandboxId}`;

/** The sandbox does nothing: it only holds the namespace. `sleep` is in the appliance's image (coreutils). */
export const SANDBOX_COMMAND = ['sleep', 'infinity'] as const;

/** The sandbox's own limits: it runs one sleeping process. */
export const SANDBOX_LIMITS = { memoryMB: 16, pids: 8 } as const;

/**
 * The id of the container this process runs in, from /proc/self/mountinfo:
 * Docker bind-mounts the container's own hostname, hosts and resolv.conf
 * from `…/containers/<id>/`. Undefined outside a container (or on an engine
 * that mounts them otherwise).
 */
export function ownContainerId(mountinfo: string): string | undefined {
  const m = /\/containers\/([0-9a-f]{64})\/(?:hostname|hosts|resolv\.conf)\s/.exec(mountinfo);
  return m?.[1];
}

/**
 * Whether the appliance's container must join the sandbox's network to reach
 * replicas: yes when it has a network namespace of its own (a test cluster's
 * box); no with host networking (the shipped `docker run`: the host reaches
 * the internal network through its bridge), or when it shares another
 * container's namespace (that container must be connected by whoever owns it).
 */
export function applianceJoinsNetwork(networkMode: string | undefined): boolean {
  return !!networkMode && networkMode !== 'host' && networkMode !== 'none' && !networkMode.startsWith('container:');
}
