/**
 * One run of memory-probe.ts in a fresh process, with the node flags the
 * appliance runs with (bench/router/node-flags.ts): the leader plans in a
 * process started that way, so a cold solve is measured as a leader pays it.
 * Measured in round 11 (quiet, 8 interleaved runs each, 512 × 2,000): median
 * 987 ms without the flags, 884 ms with them (its 8 MiB semi-spaces scavenge
 * the solve's young objects less often).
 */
import { spawnSync } from 'node:child_process';
import { APPLIANCE_NODE_FLAGS } from '../router/node-flags.js';

export interface ColdProbe {
  maxRssMB: number;
  rssBeforePlanMB: number;
  heapUsedMB: number;
  solveMs: number;
  cpuMs: number;
  startMs: number;
  admitted: number;
}

/** The probe's JSON line, or the reason it failed (its stderr). */
export function coldProbe(): { ok: true; probe: ColdProbe } | { ok: false; why: string } {
  const r = spawnSync(
    process.execPath,
    [...APPLIANCE_NODE_FLAGS, '--import', 'tsx', 'bench/placement/memory-probe.ts'],
    {
      encoding: 'utf8',
      timeout: 300000,
    },
  );
  if (r.status !== 0) return { ok: false, why: r.stderr || `exit ${r.status}` };
  return { ok: true, probe: JSON.parse(r.stdout.trim().split('\n').pop()!) as ColdProbe };
}
