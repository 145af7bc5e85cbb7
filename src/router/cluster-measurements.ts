/**
 * A deployment's measurements across the cluster, for GET /v1/deployments:
 * this box's windows plus those the alive members answer on the signed
 * `GET /v1/peer/stats` (in parallel, within `timeoutMs`), merged
 * (stats-window.ts: rates and counts add, percentiles from the union of
 * samples). A member that does not answer is left out; `boxes` says how
 * many were merged. Runs per API read, never per frame.
 */
import type { PeerCaller } from '../cluster/peer-client.js';
import { statsAnswerSchema } from '../cluster/peer-messages.js';
import type { MeasuredView } from '../domain/routing/deployment-stats.js';
import { mergeWindows, viewOf, type StatsWindow } from '../domain/routing/stats-window.js';
import type { Member } from '../domain/types.js';
import type { DataPlaneReport } from './data-plane.js';
import { PEER_STATS_PATH } from './router-peer-api.js';

export interface ClusterMeasurementsDeps {
  self: string;
  members: () => readonly Member[];
  local: Pick<DataPlaneReport, 'windows'>;
  /** Without it (a box on its own) only this box's windows are shown. */
  peers?: PeerCaller;
  timeoutMs?: number;
}

type Target = { name: string; fps: number; latencyMs: number };

export class ClusterMeasurements {
  constructor(private readonly deps: ClusterMeasurementsDeps) {}

  /** Merged views by deployment name; a deployment no box has seen a frame of is absent. */
  async measured(targets: readonly Target[]): Promise<Map<string, MeasuredView>> {
    const all = [this.deps.local.windows(), ...(await this.remoteWindows())];
    const out = new Map<string, MeasuredView>();
    for (const t of targets) {
      const ws = all.map((byName) => byName[t.name]).filter((w): w is StatsWindow => w !== undefined);
      if (ws.length) out.set(t.name, viewOf(mergeWindows(ws), t, ws.length));
    }
    return out;
  }

  private async remoteWindows(): Promise<Record<string, StatsWindow>[]> {
    const { peers, self } = this.deps;
    if (!peers) return [];
    const others = this.deps.members().filter((m) => m.id !== self && m.state === 'alive');
    const answers = await Promise.all(
      others.map(async (m) => {
        try {
          const a = await peers.call(m.address, 'GET', PEER_STATS_PATH, undefined, this.deps.timeoutMs ?? 1500);
          return a.status === 200 && a.nodeId === m.id ? statsAnswerSchema.parse(a.body).deployments : undefined;
        } catch {
          return undefined;
        }
      }),
    );
    return answers.filter((x): x is Record<string, StatsWindow> => x !== undefined);
  }
}
