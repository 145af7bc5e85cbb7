/**
 * The chaos run's faults, done with the Docker CLI on the test cluster:
 *  - kill-replica: `docker kill` of one of the box's replicas (SIGKILL);
 *  - kill-box / kill-leader: `docker kill` of the box's appliance and its
 *    replicas, held down, then `docker start` of the appliance;
 *  - partition: `docker network disconnect` of the box from the cluster's
 *    network, held, then reconnected at the same address;
 *  - pause: `docker pause` of the appliance (its replicas keep running),
 *    held, then `docker unpause`;
 *  - restart-docker: a STAND-IN for restarting the Docker engine on one box
 *    (the boxes share one engine here): every container of the box is
 *    stopped (SIGTERM, 5 s grace, as a daemon restart without live-restore
 *    does), then the appliance is started again as `--restart=always` would;
 *    its supervisor must start its replicas again;
 *  - fill-disk: the box's /data is a small tmpfs (see run.ts); it is filled
 *    to the last byte with `dd`, held, then the filler is removed.
 * `inject` returns what it did and how to heal it.
 */
import type { TestCluster } from '../../test/integration/cluster-harness.js';
import { dockerAsync, rimContainers } from './probe.js';
import type { ScheduledFault } from './schedule.js';

export interface FaultState {
  /** Boxes the load generator should not send to, and the sampler must read from inside. */
  cut: Set<string>;
  unreachable: Set<string>;
}

export interface Injected {
  target: string;
  detail: string;
  heal: () => Promise<void>;
  /** Read while the fault is on (fill-disk: what the full box's /readyz said). */
  during?: () => Promise<string>;
}

const replicasOf = async (c: TestCluster, box: string) =>
  (await rimContainers(c)).filter((x) => x.node === box && x.running).map((x) => x.name);

async function killBox(c: TestCluster, box: string, st: FaultState): Promise<Injected> {
  const replicas = await replicasOf(c, box);
  await dockerAsync(['kill', box, ...replicas]);
  st.unreachable.add(box);
  return {
    target: box,
    detail: `killed ${box} and its ${replicas.length} replicas`,
    heal: async () => {
      await dockerAsync(['start', box]);
      st.unreachable.delete(box);
    },
  };
}

export async function inject(
  c: TestCluster,
  f: ScheduledFault,
  leader: string | null,
  st: FaultState,
  smallDisks: boolean,
): Promise<Injected | { skipped: string }> {
  const box = f.box === 'leader' ? leader : c.boxes[f.box]!;
  if (!box) return { skipped: 'no agreed leader to kill' };
  const none = async () => {};
  switch (f.kind) {
    case 'kill-replica': {
      const all = (await rimContainers(c)).filter((x) => x.running && x.role !== 'sandbox').map((x) => x.name);
      const own = all.filter((n) => n.startsWith(`rim-${box}-`)).sort();
      const pool = own.length ? own : all.sort();
      if (!pool.length) return { skipped: 'no replica running' };
      const victim = pool[f.index % pool.length]!;
      await dockerAsync(['kill', victim]);
      return { target: victim, detail: `killed replica ${victim}`, heal: none };
    }
    case 'kill-box':
    case 'kill-leader':
      return killBox(c, box, st);
    case 'partition':
      await dockerAsync(['network', 'disconnect', c.network, box]);
      st.cut.add(box);
      st.unreachable.add(box);
      return {
        target: box,
        detail: `disconnected ${box} from ${c.network}`,
        heal: async () => {
          await dockerAsync(['network', 'connect', '--ip', c.ip(box), c.network, box]);
          st.cut.delete(box);
          st.unreachable.delete(box);
        },
      };
    case 'pause':
      await dockerAsync(['pause', box]);
      st.unreachable.add(box);
      return {
        target: box,
        detail: `paused ${box}'s appliance`,
        heal: async () => {
          await dockerAsync(['unpause', box]);
          st.unreachable.delete(box);
        },
      };
    case 'restart-docker': {
      const replicas = await replicasOf(c, box);
      st.unreachable.add(box);
      await dockerAsync(['stop', '-t', '5', box, ...replicas]);
      await dockerAsync(['start', box]);
      st.unreachable.delete(box);
      return {
        target: box,
        detail: `stopped ${box} and its ${replicas.length} replicas (SIGTERM), started the appliance again`,
        heal: none,
      };
    }
    case 'fill-disk': {
      if (!smallDisks) return { skipped: 'no small data disk (mounting a tmpfs needs root)' };
      // dd stops at ENOSPC; the exit status says so, which is the point.
      await dockerAsync([
        'exec',
        box,
        'sh',
        '-c',
        'dd if=/dev/zero of=/data/chaos-fill bs=64k 2>/dev/null; df -k /data',
      ]);
      const df = await dockerAsync(['exec', box, 'df', '-k', '/data']);
      const avail = df.split('\n')[1]?.split(/\s+/)[3] ?? '?';
      return {
        target: box,
        detail: `filled ${box}'s /data (${avail} KiB left)`,
        during: async () => {
          try {
            const r = await fetch(`http://${c.ip(box)}:7878/readyz`, { signal: AbortSignal.timeout(3000) });
            return `/readyz ${r.status}: ${(await r.text()).slice(0, 300)}`;
          } catch (e) {
            return `/readyz: no answer (${(e as Error).message})`;
          }
        },
        heal: async () => {
          await dockerAsync(['exec', box, 'rm', '-f', '/data/chaos-fill']);
        },
      };
    }
  }
}
