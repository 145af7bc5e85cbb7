/**
 * bench:testbed's host accounting: what the host's cores did during a
 * window. The boxes and their replicas share the host's cores with the load
 * generator, so a window is only meaningful if the host could run it: this
 * reads /proc/stat (the host's busy share) and, per container of the
 * cluster, cgroup v1's cpuacct.usage and cpu.stat (CPU used; quota periods
 * throttled), grouped as the boxes' own processes, CPU modules and each
 * box's emulated accelerator. Where the files are not readable (cgroup v2,
 * another host) it reports null and the bench runs on.
 */
import { readFileSync } from 'node:fs';
import { docker } from './cluster.js';

const CGROUP = '/sys/fs/cgroup';

interface Counters {
  atMs: number;
  /** Host jiffies: all, idle (idle + iowait). */
  total: number;
  idle: number;
  /** Per container id: CPU ns used, quota periods, throttled periods. */
  containers: Map<string, { group: string; usageNs: number; periods: number; throttled: number }>;
}

export interface HostCpu {
  cores: number;
  /** Host busy share over the window (0..1 of all cores). */
  hostBusy: number;
  /** Cores used on average, by group: `<box> appliance`, `<box> cpu`, `<box> emu0`. */
  coresBy: Record<string, number>;
  /** Share of quota periods in which a group's replicas were throttled (emulated accelerators). */
  throttledBy: Record<string, number>;
}

function hostJiffies(): { total: number; idle: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { total: cpu.reduce((a, b) => a + b, 0), idle: (cpu[3] ?? 0) + (cpu[4] ?? 0) };
}

const num = (path: string, key?: string): number => {
  const text = readFileSync(path, 'utf8');
  if (!key) return Number(text.trim());
  const line = text.split('\n').find((l) => l.startsWith(`${key} `));
  return line ? Number(line.split(' ')[1]) : 0;
};

/** The cluster's containers (boxes and the replicas each box started), by group. */
function containers(boxes: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const rows = docker(
    'ps',
    '--no-trunc',
    '--format',
    '{{.ID}} {{.Names}} {{.Label "rim.node"}} {{.Label "rim.accelerator"}}',
  );
  for (const line of rows.split('\n')) {
    const [id, name, node, acc] = line.split(' ');
    if (!id || !name) continue;
    if (boxes.includes(name)) out.set(id, `${name} appliance`);
    else if (node && boxes.includes(node)) out.set(id, `${node} ${acc || 'cpu'}`);
  }
  return out;
}

function snapshot(boxes: readonly string[]): Counters | null {
  try {
    const host = hostJiffies();
    const map = new Map<string, { group: string; usageNs: number; periods: number; throttled: number }>();
    for (const [id, group] of containers(boxes)) {
      try {
        map.set(id, {
          group,
          usageNs: num(`${CGROUP}/cpuacct/docker/${id}/cpuacct.usage`),
          periods: num(`${CGROUP}/cpu/docker/${id}/cpu.stat`, 'nr_periods'),
          throttled: num(`${CGROUP}/cpu/docker/${id}/cpu.stat`, 'nr_throttled'),
        });
      } catch {
        /* gone meanwhile, or another cgroup layout */
      }
    }
    return { atMs: Date.now(), ...host, containers: map };
  } catch {
    return null;
  }
}

/** Starts counting; `stop()` gives the window's figures (null where the host's counters cannot be read). */
export function hostCpu(boxes: readonly string[]): { stop(): HostCpu | null } {
  const start = snapshot(boxes);
  return {
    stop() {
      const end = snapshot(boxes);
      if (!start || !end) return null;
      const seconds = (end.atMs - start.atMs) / 1000;
      const coresBy: Record<string, number> = {};
      const periods: Record<string, { all: number; throttled: number }> = {};
      for (const [id, e] of end.containers) {
        const s = start.containers.get(id) ?? { usageNs: 0, periods: 0, throttled: 0 };
        coresBy[e.group] = (coresBy[e.group] ?? 0) + (e.usageNs - s.usageNs) / 1e9 / seconds;
        const p = (periods[e.group] ??= { all: 0, throttled: 0 });
        p.all += e.periods - s.periods;
        p.throttled += e.throttled - s.throttled;
      }
      const r = (x: number) => Math.round(x * 100) / 100;
      const throttledBy: Record<string, number> = {};
      for (const [g, p] of Object.entries(periods)) if (p.all > 0) throttledBy[g] = r(p.throttled / p.all);
      const total = end.total - start.total;
      return {
        cores: Number(readFileSync('/proc/cpuinfo', 'utf8').match(/^processor\s/gm)?.length ?? 0),
        hostBusy: total > 0 ? r(1 - (end.idle - start.idle) / total) : 0,
        coresBy: Object.fromEntries(Object.entries(coresBy).map(([g, v]) => [g, r(v)])),
        throttledBy,
      };
    },
  };
}
