/**
 * The network between boxes, as placement prices it (docs/design.md,
 * "Latency estimate"): each link's bandwidth and round-trip time come from
 * the config (`cluster.links` for a pair, `cluster.network` for every other
 * link) or else from what the leader measured when the box joined (a few
 * small signed pings and one fixed-size payload over the peer API; the
 * result is kept in the member's replicated `link`). A box's measured link
 * (to the leader that measured it) stands for its network port: a pair of
 * boxes is priced at the slower bandwidth and the longer RTT of the two
 * boxes' measured links (exactly the measured link when one box measured the
 * other). Pure.
 */
import type { LinkSpec, Member, MeasuredLink, NetworkSpec } from '../types.js';

/** The network where nothing is measured or configured: gigabit Ethernet on one switch. */
export const DEFAULT_NETWORK: NetworkSpec = { bandwidthMbps: 1000, rttMs: 0.5 };
/** A measured bandwidth is capped here: a small payload on a fast link measures mostly noise. */
export const MAX_MEASURED_MBPS = 100_000;

/** The operator's network settings (config `cluster.network`, `cluster.links`). */
export interface NetworkConfig {
  network?: Partial<NetworkSpec>;
  links?: readonly LinkSpec[];
}

const r2 = (v: number): number => Math.round(v * 100) / 100;

/**
 * A link from one probe: `pingsMs` the round trips of small requests (the
 * fastest counts), `payloadMs` the round trip of a request answered with
 * `bytes`: its time past one round trip is the transfer.
 */
export function linkFromProbe(probe: { pingsMs: readonly number[]; bytes: number; payloadMs: number }): NetworkSpec {
  if (!probe.pingsMs.length) throw new RangeError('a link probe needs at least one ping');
  const rttMs = Math.max(0.01, Math.min(...probe.pingsMs));
  const transferMs = Math.max(0, probe.payloadMs - rttMs);
  const mbps = transferMs > 0 ? (probe.bytes * 8) / (transferMs * 1000) : MAX_MEASURED_MBPS;
  return { rttMs: r2(rttMs), bandwidthMbps: r2(Math.min(MAX_MEASURED_MBPS, Math.max(0.01, mbps))) };
}

const pairKey = (a: string, b: string): string => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);

/** The measured link of a pair of members, if either has one (see the file's comment). */
function measuredPair(a: Member | undefined, b: Member | undefined): NetworkSpec | undefined {
  const la = a?.link;
  const lb = b?.link;
  if (la && b && la.by === b.id) return la;
  if (lb && a && lb.by === a.id) return lb;
  if (la && lb)
    return { bandwidthMbps: Math.min(la.bandwidthMbps, lb.bandwidthMbps), rttMs: Math.max(la.rttMs, lb.rttMs) };
  return la ?? lb;
}

/**
 * The network of the nodes `ids` as the planner uses it: the default link
 * (config, else DEFAULT_NETWORK) and one entry per pair that differs from it
 * (configured, else measured). O(ids²).
 */
export function clusterNetwork(
  ids: readonly string[],
  members: readonly Member[],
  config: NetworkConfig = {},
): { network: NetworkSpec; links: LinkSpec[] } {
  const network = { ...DEFAULT_NETWORK, ...config.network };
  const configured = new Map((config.links ?? []).map((l) => [pairKey(l.a, l.b), l]));
  const byId = new Map(members.map((m) => [m.id, m]));
  const links: LinkSpec[] = [];
  for (let i = 0; i < ids.length; i++)
    for (let j = i + 1; j < ids.length; j++) {
      const [a, b] = [ids[i]!, ids[j]!];
      const set = configured.get(pairKey(a, b));
      const l = set ?? measuredPair(byId.get(a), byId.get(b));
      if (l) links.push({ a, b, bandwidthMbps: l.bandwidthMbps, rttMs: l.rttMs });
    }
  return { network, links };
}

/** A box is measured once it has been a member this long (a box that just started is busy starting). */
export const MEASURE_AFTER_JOIN_MS = 5000;
/** A link is measured again this often; the figures kept are the best seen. */
export const REMEASURE_MS = 10 * 60_000;

/**
 * The alive members (other than `self`) to measure at `now`: those joined at
 * least MEASURE_AFTER_JOIN_MS ago with no link yet, or one older than REMEASURE_MS.
 */
export function unmeasured(members: readonly Member[], self: string, now: number): Member[] {
  return members.filter(
    (m) =>
      m.id !== self &&
      m.state === 'alive' &&
      now - m.joinedAt >= MEASURE_AFTER_JOIN_MS &&
      (!m.link || now - m.link.at >= REMEASURE_MS),
  );
}

/**
 * The document's members with `id`'s link set from a new measurement
 * (unchanged when the member is gone). Against the link it had, measured by
 * the same box, the best figures are kept (the higher bandwidth, the shorter
 * RTT): a busy box only ever slows a probe down, never speeds it up.
 */
export function withLink(members: readonly Member[], id: string, link: MeasuredLink): Member[] {
  return members.map((m) => {
    if (m.id !== id) return m;
    const had = m.link?.by === link.by ? m.link : undefined;
    const best = had
      ? {
          ...link,
          bandwidthMbps: Math.max(had.bandwidthMbps, link.bandwidthMbps),
          rttMs: Math.min(had.rttMs, link.rttMs),
        }
      : link;
    return { ...m, link: best };
  });
}
