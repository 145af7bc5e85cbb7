/**
 * npm run chaos -- --minutes N --seed S — seeded faults on the 3-box test
 * cluster (compose/up.sh on the real Docker engine) with frames flowing,
 * checking Rim's invariants after each fault and at the end (invariants.ts),
 * printing the schedule, the faults, recovery percentiles per fault kind and
 * every violation, and writing bench/results/chaos.json (or --json FILE).
 *
 * Options: --minutes (2; how long faults are injected; setup and the final
 * check come on top), --seed (printed; the same seed gives the same
 * schedule), --recovery-bound-s (90), --json FILE, --prefix/--net-base (or
 * RIM_PREFIX/RIM_NET_BASE; default a per-process prefix and /24 like the
 * integration tests'), --no-build (use the test images as they are instead
 * of images/build.sh: it rebuilds the appliance whenever dist/ changed).
 * Exit 0 with no violation and no lost change, else 1.
 *
 * Each fault: wait until the cluster is settled, inject it, make 1–2
 * deploy/undeploy changes through a box (any box: the faulted one too), hold
 * it, heal it, then poll every second until every invariant holds again. The
 * recovery time runs from the heal (for kill-replica and restart-docker,
 * from the moment the fault was done) to that moment; a fault after which
 * they do not all hold within the bound is a violation, named by check.
 * Each box's /data is a 32 MiB tmpfs on the host (so one can be filled and
 * survive the box's restarts); without root to mount it, fill-disk is
 * skipped and says so. Everything is removed at the end, even on failure.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ensureImages, IMAGE_TAGS } from '../../test/support/images.js';
import { ADMIN_TOKEN as ADMIN, startTestCluster, type TestCluster } from '../../test/integration/cluster-harness.js';
import { inject, type FaultState } from './faults.js';
import { FrameLoad, type FrameTarget } from './frames.js';
import {
  expectedState,
  leadersPerTerm,
  lostChanges,
  orphans,
  percentile,
  placementGaps,
  sloMisses,
  type ChangeOp,
  type LeaderSample,
} from './invariants.js';
import { boxView, boxViewInside, snapshot, type Snapshot } from './probe.js';
import { FAULT_KINDS, makeSchedule, scheduleText, type ChurnOp } from './schedule.js';

interface Options {
  minutes: number;
  seed: number;
  boundS: number;
  json: string;
  prefix?: string;
  netBase?: string;
  /** false (--no-build): use the images as they are, without images/build.sh. */
  build: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    minutes: 2,
    seed: Math.floor(Math.random() * 1e6),
    boundS: 90,
    json: 'bench/results/chaos.json',
    prefix: process.env.RIM_PREFIX,
    netBase: process.env.RIM_NET_BASE,
    build: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const [k, v] = [argv[i], argv[i + 1]];
    const num = () => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new Error(`${k}: expected a number, got ${v}`);
      i++;
      return n;
    };
    if (k === '--minutes') o.minutes = num();
    else if (k === '--seed') o.seed = Math.floor(num());
    else if (k === '--recovery-bound-s') o.boundS = num();
    else if (k === '--json') o.json = argv[++i]!;
    else if (k === '--prefix') o.prefix = argv[++i]!;
    else if (k === '--net-base') o.netBase = argv[++i]!;
    else if (k === '--no-build') o.build = false;
    else throw new Error(`unknown option ${k} (--minutes N --seed S [--recovery-bound-s S] [--json FILE])`);
  }
  return o;
}

/**
 * Latency targets: generous, because the test cluster's three boxes, their
 * replicas and the emulated GPUs (half a core each) share one small machine.
 */
const NOOP_MS = 2000;
/** The sample apps' names (their manifests'). */
const APPS = ['noop', 'synthetic'];
const SYNTHETIC_MS = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (s: string) => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${s}`);

interface Deployed extends FrameTarget {
  app: string;
  churn: boolean;
}

interface FaultRecord {
  index: number;
  kind: string;
  target?: string;
  detail: string;
  holdMs: number;
  churn: { op: string; name: string; via: string; status: number; outcome: string }[];
  during?: string;
  recoveryMs: number | null;
  violations: string[];
}

/** Every check over one snapshot; empty when the cluster is settled and every invariant holds. */
function problems(c: TestCluster, s: Snapshot, ops: readonly ChangeOp[]): string[] {
  const out: string[] = [];
  const views = [...s.views.values()];
  if (views.some((v) => !v)) out.push(`no answer from ${c.boxes.filter((b) => !s.views.get(b)).join(', ')}`);
  const first = views[0];
  if (!first?.leader || views.some((v) => v && (v.leader !== first.leader || v.term !== first.term)))
    out.push(`boxes do not agree on one leader: ${views.map((v) => v && `${v.box}:${v.leader}@${v.term}`).join(' ')}`);
  const lv = views.find((v) => v?.role === 'leader');
  const notAlive = lv?.members.filter((m) => m.state !== 'alive').map((m) => `${m.id} ${m.state}`) ?? [];
  if (notAlive.length) out.push(`members not alive: ${notAlive.join(', ')}`);
  if (s.live.length !== c.boxes.length) out.push(`boxes not running: ${c.boxes.filter((b) => !s.live.includes(b))}`);
  const expected = expectedState(ops);
  for (const [box, names] of s.listed) {
    if (names) out.push(...lostChanges(expected, names).map((l) => `${box}: ${l}`));
    else if (!out.length) out.push(`${box}: no deployment list`);
  }
  if (!s.planned) return [...out, "the leader's plan and deployments not read"];
  const pending = s.deployments.filter((d) => d.state !== 'admitted').map((d) => `${d.name} ${d.state}`);
  if (pending.length) out.push(`deployments not admitted: ${pending.join(', ')}`);
  out.push(...placementGaps(s.placements, s.deployments, s.containers));
  out.push(...orphans(s.containers, s.placements, s.deployments, s.live));
  out.push(...sloMisses(s.deployments));
  return out;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const schedule = makeSchedule(o.seed, Math.max(1, Math.ceil((o.minutes * 60) / 15)));
  console.log(`chaos: seed ${o.seed}, ${o.minutes} min of faults, recovery bound ${o.boundS} s`);
  console.log(`schedule (the run stops injecting after ${o.minutes} min):\n${scheduleText(schedule)}`);
  if (o.build) await ensureImages(['base', 'noop', 'synthetic', 'appliance']);
  else
    for (const n of ['noop', 'synthetic', 'appliance'] as const)
      execFileSync('docker', ['image', 'inspect', IMAGE_TAGS[n]]);

  const pid = process.pid;
  const dataRoot = join(tmpdir(), `rim-chaos-${o.prefix ?? pid}`);
  const mounted: string[] = [];
  let c: TestCluster | undefined;
  let load: FrameLoad | undefined;
  let sampling = true;
  const samplers: Promise<void>[] = [];
  const st: FaultState = { cut: new Set(), unreachable: new Set() };
  const cleanup = () => {
    try {
      c?.down();
    } catch (e) {
      console.error(`chaos: compose/down.sh failed: ${(e as Error).message}`);
    }
    for (const m of mounted.splice(0)) {
      try {
        execFileSync('umount', [m], { stdio: 'ignore' });
      } catch {
        /* not mounted */
      }
    }
    rmSync(dataRoot, { recursive: true, force: true });
  };
  const onSignal = (sig: string) => {
    console.error(`chaos: ${sig}: cleaning up`);
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let failed: boolean;
  try {
    const prefix = o.prefix ?? `rimitchaos${pid % 10000}`;
    let smallDisks = true;
    try {
      for (let i = 1; i <= 3; i++) {
        const dir = join(dataRoot, `${prefix}-box-${i}`);
        mkdirSync(dir, { recursive: true });
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', dir], { stdio: 'pipe' });
        mounted.push(dir);
      }
    } catch (e) {
      smallDisks = false;
      console.log(`chaos: cannot mount a small tmpfs per box (${(e as Error).message.split('\n')[0]}): no fill-disk`);
    }
    c = startTestCluster('chaos', {
      prefix,
      netBase: o.netBase,
      emulateModels: ['RTX 2080 Ti', 'GTX 1080 Ti', 'GTX 1080'],
      ...(smallDisks ? { dataRoot } : {}),
    });
    const cl = c;
    log(`cluster ${cl.prefix} starting: ${cl.boxes.map((b) => `${b} ${cl.ip(b)}`).join(', ')}`);

    // One leader per term: every box's (term, leader), sampled all along.
    const samples: LeaderSample[] = [];
    const seen = new Set<string>();
    for (const box of cl.boxes) {
      samplers.push(
        (async () => {
          while (sampling) {
            const inside = st.cut.has(box);
            const v = inside ? await boxViewInside(box) : await boxView(cl, box);
            if (v?.leader !== undefined) {
              const leader = v.role === 'leader' ? box : v.leader;
              const k = `${box} ${v.term} ${leader}`;
              if (!seen.has(k)) {
                seen.add(k);
                samples.push({ box, term: v.term, leader });
              }
            }
            await sleep(inside ? 1500 : 300);
          }
        })(),
      );
    }

    /** The apps registered so far (each box's deployment list is read per app). */
    let registered: string[] = [];
    const ops: ChangeOp[] = [];
    const deployed = new Map<string, Deployed>();
    const change = async (op: 'deploy' | 'undeploy', d: Deployed, via: string) => {
      const entry: ChangeOp = { op, name: d.name, outcome: 'unknown' };
      ops.push(entry);
      if (op === 'deploy') deployed.set(d.name, d);
      let status: number;
      try {
        const r = await fetch(`http://${cl.ip(via)}:7878/v1/deployments${op === 'undeploy' ? `/${d.name}` : ''}`, {
          method: op === 'deploy' ? 'POST' : 'DELETE',
          signal: AbortSignal.timeout(15_000),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
          ...(op === 'deploy'
            ? { body: JSON.stringify({ name: d.name, app: d.app, fps: d.fps, latencyMs: d.latencyMs }) }
            : {}),
        });
        status = r.status;
        await r.arrayBuffer();
      } catch {
        status = 0;
      }
      entry.outcome =
        status >= 200 && status < 300
          ? 'acked'
          : op === 'undeploy' && status === 404
            ? 'gone'
            : status >= 400 && status < 500
              ? 'refused'
              : 'unknown';
      if (op === 'undeploy' && (entry.outcome === 'acked' || entry.outcome === 'gone')) deployed.delete(d.name);
      if (op === 'deploy' && entry.outcome === 'refused') deployed.delete(d.name);
      return { op, name: d.name, via, status, outcome: entry.outcome };
    };

    const settle = async (boundMs: number) => {
      const t0 = Date.now();
      let last: string[] = [];
      let polls = 0;
      while (Date.now() - t0 < boundMs) {
        last = problems(cl, await snapshot(cl, registered), ops);
        if (!last.length) return { ms: Date.now() - t0, problems: [] };
        if (++polls % 15 === 0)
          log(`  not settled after ${Math.round((Date.now() - t0) / 1000)} s: ${last.join('; ')}`);
        await sleep(1000);
      }
      return { ms: null, problems: last };
    };

    // Setup: the cluster, the sample apps, a base of deployments across the boxes, frames flowing.
    const formed = await settle(120_000);
    if (formed.ms === null) throw new Error(`the cluster did not form: ${formed.problems.join('; ')}`);
    // Setup changes are retried (through the box that leads then) until acknowledged: an election may interrupt.
    const retried = async (what: string, attempt: (via: string) => Promise<number>) => {
      let status = 0;
      for (let i = 0; i < 20; i++) {
        status = await attempt((await snapshot(cl, registered)).leader ?? cl.boxes[i % cl.boxes.length]!);
        if (status >= 200 && status < 300) return;
        await sleep(1000);
      }
      throw new Error(`${what}: ${status}`);
    };
    for (const image of [IMAGE_TAGS.noop, IMAGE_TAGS.synthetic]) {
      await retried(`apps add ${image}`, async (via) => (await cl.post(via, '/v1/apps', { image })).status);
    }
    registered = APPS;
    const base: Deployed[] = [
      ...[1, 2, 3].map((i) => ({ name: `base-noop-${i}`, app: 'noop', fps: 2, latencyMs: NOOP_MS, churn: false })),
      { name: 'base-synthetic', app: 'synthetic', fps: 1, latencyMs: SYNTHETIC_MS, churn: false },
    ];
    for (const d of base) await retried(`deploy ${d.name}`, async (via) => (await change('deploy', d, via)).status);
    load = new FrameLoad(
      cl,
      () => [...deployed.values()],
      () => st.unreachable,
    );
    load.start();
    const ready = await settle(180_000);
    if (ready.ms === null) throw new Error(`the base deployments did not settle: ${ready.problems.join('; ')}`);
    const leaderNow = (await snapshot(cl, registered)).leader;
    log(`settled: leader ${leaderNow}, ${base.length} deployments running with frames flowing`);

    // Faults.
    let churnN = 0;
    const churnOne = (op: ChurnOp) => {
      const via = cl.boxes[op.via]!;
      if (op.op === 'deploy') {
        const syn = op.app === 'synthetic';
        const d: Deployed = {
          name: `churn-${++churnN}`,
          app: op.app,
          fps: 1,
          latencyMs: syn ? SYNTHETIC_MS : NOOP_MS,
          churn: true,
        };
        return change('deploy', d, via);
      }
      const names = [...deployed.values()].filter((d) => d.churn).map((d) => d.name);
      names.sort((a, b) => Number(a.split('-')[1]) - Number(b.split('-')[1]));
      if (!names.length) return undefined;
      return change('undeploy', deployed.get(names[op.pick % names.length]!)!, via);
    };
    const records: FaultRecord[] = [];
    const tFaults = Date.now();
    for (const f of schedule) {
      if (Date.now() - tFaults > o.minutes * 60_000) break;
      let leader = (await snapshot(cl, registered)).leader;
      for (let i = 0; i < 15 && f.box === 'leader' && !leader; i++) {
        await sleep(1000);
        leader = (await snapshot(cl, registered)).leader;
      }
      // A fault Docker refuses to inject (e.g. "unable to freeze" under load) is recorded as skipped, with why.
      const done = await inject(cl, f, leader, st, smallDisks).catch((e: Error) => ({ skipped: e.message }));
      if ('skipped' in done) {
        log(`fault ${f.index} ${f.kind}: skipped (${done.skipped})`);
        records.push({
          index: f.index,
          kind: f.kind,
          detail: `skipped: ${done.skipped}`,
          holdMs: 0,
          churn: [],
          recoveryMs: null,
          violations: [],
        });
        continue;
      }
      log(`fault ${f.index} ${f.kind}: ${done.detail}${f.holdMs ? `, holding ${f.holdMs} ms` : ''}`);
      const tInject = Date.now();
      const churn = Promise.all(f.churn.map((op) => churnOne(op)));
      let during: string | undefined;
      if (f.holdMs) {
        await sleep(Math.min(2000, f.holdMs));
        during = await done.during?.();
        await sleep(Math.max(0, f.holdMs - (Date.now() - tInject)));
      }
      await done.heal();
      const rec = await settle(o.boundS * 1000);
      const churned = (await churn).filter((x) => x !== undefined);
      const record: FaultRecord = {
        index: f.index,
        kind: f.kind,
        target: done.target,
        detail: done.detail,
        holdMs: f.holdMs,
        churn: churned,
        ...(during ? { during } : {}),
        recoveryMs: rec.ms,
        violations: rec.ms === null ? rec.problems : [],
      };
      records.push(record);
      log(
        `fault ${f.index} ${f.kind}: ` +
          `${rec.ms === null ? `NOT RECOVERED within ${o.boundS} s` : `recovered in ${rec.ms} ms`}; ` +
          `churn ${churned.map((x) => `${x.op} ${x.name} via ${x.via}: ${x.status}`).join(', ') || 'none'}` +
          (during ? `; during: ${during}` : ''),
      );
      for (const v of record.violations) log(`  violation: ${v}`);
    }
    const faultMs = Date.now() - tFaults;

    // The end: every change answered, every invariant once more, then the leaders of every term.
    const final = await settle(o.boundS * 1000);
    await load.stop();
    sampling = false;
    await Promise.all(samplers);
    // Every box's list, once they all answer (bounded).
    let snapEnd = await snapshot(cl, registered);
    for (let i = 0; i < 60 && [...snapEnd.listed.values()].some((l) => !l); i++) {
      await sleep(1000);
      snapEnd = await snapshot(cl, registered);
    }
    const expected = expectedState(ops);
    const lost = [...snapEnd.listed].flatMap(([box, names]) =>
      names ? lostChanges(expected, names).map((l) => `${box}: ${l}`) : [`${box}: did not answer at the end`],
    );
    const leaderViolations = leadersPerTerm(samples);
    const violations = [
      ...records.flatMap((r) => r.violations.map((v) => `after fault ${r.index} (${r.kind}): ${v}`)),
      ...(final.ms === null ? final.problems.map((p) => `at the end: ${p}`) : []),
      ...leaderViolations,
    ];
    const byKind = Object.fromEntries(
      FAULT_KINDS.map((k) => {
        const rs = records.filter((r) => r.kind === k && !r.detail.startsWith('skipped'));
        const xs = rs.map((r) => r.recoveryMs).filter((x): x is number => x !== null);
        return [
          k,
          {
            injected: rs.length,
            recovered: xs.length,
            p50Ms: percentile(xs, 50),
            p90Ms: percentile(xs, 90),
            p99Ms: percentile(xs, 99),
            maxMs: percentile(xs, 100),
          },
        ];
      }),
    );
    const acked = ops.filter((x) => x.outcome === 'acked').length;
    const summary = {
      seed: o.seed,
      minutes: o.minutes,
      faultPhaseMs: faultMs,
      recoveryBoundS: o.boundS,
      faultsInjected: records.filter((r) => !r.detail.startsWith('skipped')).length,
      faultsSkipped: records.filter((r) => r.detail.startsWith('skipped')).length,
      recovery: byKind,
      changes: { made: ops.length, acknowledged: acked, unknown: ops.filter((x) => x.outcome === 'unknown').length },
      lostAcknowledgedChanges: lost.length,
      terms: new Set(samples.map((s) => s.term)).size,
      violations: violations.length,
      frames: load.counts,
    };
    console.log('\nfaults injected:');
    console.table(
      records.map((r) => ({
        fault: r.index,
        kind: r.kind,
        target: r.target ?? '-',
        holdMs: r.holdMs,
        recoveryMs: r.recoveryMs,
      })),
    );
    console.log('recovery by fault kind (ms, from the heal until every invariant holds):');
    console.table(byKind);
    console.log(
      `changes: ${ops.length} made, ${acked} acknowledged, ${summary.changes.unknown} without a clear answer`,
    );
    console.log(`lost acknowledged changes: ${lost.length}${lost.length ? `\n  ${lost.join('\n  ')}` : ''}`);
    console.log(`terms seen: ${summary.terms}; one leader per term: ${leaderViolations.length ? 'NO' : 'yes'}`);
    console.log(`frames: ${JSON.stringify(load.counts)}`);
    console.log(`violations: ${violations.length}${violations.length ? `\n  ${violations.join('\n  ')}` : ''}`);
    mkdirSync(dirname(o.json), { recursive: true });
    writeFileSync(
      o.json,
      `${JSON.stringify(
        { at: new Date().toISOString(), summary, schedule, faults: records, violations, lost, leaderSamples: samples },
        null,
        2,
      )}\n`,
    );
    console.log(`wrote ${o.json}`);
    failed = violations.length > 0 || lost.length > 0;
  } finally {
    sampling = false;
    await load?.stop().catch(() => undefined);
    await Promise.all(samplers).catch(() => undefined);
    cleanup();
  }
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
