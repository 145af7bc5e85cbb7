/**
 * The data plane over real HTTP, in process: createDataPlane's express router
 * in front of real node:http module servers on loopback. The cluster
 * document and the supervisor's replica list are plain data.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import pino from 'pino';
import { replicaName } from '../../../src/domain/replica-spec.js';
import type { ClusterDocument, Placement, ReplicaStatus } from '../../../src/domain/types.js';
import type { PeerCaller } from '../../../src/cluster/peer-client.js';
import { createDataPlane, type DataPlane } from '../../../src/router/data-plane.js';
import { directHop } from './direct-hop.js';
import { app, deployment, diamond, doc, manifest, mod, replica } from '../domain/routing/fixtures.js';

type Behaviour = 'ok' | '500' | '400' | 'hang';
interface Module {
  name: string;
  server: http.Server;
  port: number;
  behaviour: Behaviour;
  seen: { headers: http.IncomingHttpHeaders; body: string }[];
}

async function moduleServer(name: string): Promise<Module> {
  const m: Module = { name, server: http.createServer(), port: 0, behaviour: 'ok', seen: [] };
  m.server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // The router's health probes: always healthy here (these tests are about /infer's answers).
      if (req.url === '/healthz') {
        res.writeHead(200);
        res.end();
        return;
      }
      const body = Buffer.concat(chunks).toString();
      m.seen.push({ headers: req.headers, body });
      if (m.behaviour === 'hang') return;
      if (m.behaviour !== 'ok') {
        res.writeHead(Number(m.behaviour));
        res.end(`${name} says ${m.behaviour}`);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/x-trail' });
      res.end(`${body}>${name}`);
    });
  });
  await new Promise<void>((r) => m.server.listen(0, '127.0.0.1', r));
  m.port = (m.server.address() as AddressInfo).port;
  return m;
}

const line = () => manifest('line', 'a', [mod('a', ['b']), mod('b', ['c']), mod('c', [])]);

describe('data plane over real HTTP', { timeout: 30_000 }, () => {
  const mods = new Map<string, Module>();
  let dp: DataPlane;
  let server: http.Server;
  let base = '';
  let cluster: ClusterDocument;
  let replicas: ReplicaStatus[] = [];
  let member: http.Server;
  let peers: PeerCaller;
  const memberAsked: string[] = [];
  // The router reads time only through `now`: a test moves this clock on instead of sleeping.
  let skew = 0;
  const now = () => Date.now() + skew;
  /** Past the directory's refresh (it rereads replica states at most every 500 ms of this clock). */
  const pastRefresh = () => {
    skew += 600;
  };

  const place = (dep: string, appName: string, module: string, acc: string, fps: number): Placement => ({
    deployment: dep,
    module,
    node: 'n1',
    accelerator: acc,
    fps,
  });
  const rep = (appName: string, module: string, acc: string, m: Module, state: ReplicaStatus['state'] = 'running') =>
    replica(replicaName('n1', appName, module, 'default', acc), m.port, state);

  before(async () => {
    for (const n of ['a', 'b', 'c', 'b2', 'src', 'left', 'right', 'join', 'audit']) mods.set(n, await moduleServer(n));
    const M = (n: string) => mods.get(n)!;
    cluster = doc({
      apps: [app(line()), app(diamond())],
      deployments: [
        deployment('cam', 'line', 1000, 2000),
        deployment('dia', 'dia', 1000, 2000),
        deployment('slow', 'line', 2, 2000),
        deployment('big', 'line'),
        deployment('late', 'line', 1000, 300),
        deployment('far', 'line', 1000, 2000),
      ],
      placements: [
        place('cam', 'line', 'a', 'cpu', 1000),
        place('cam', 'line', 'b', 'cpu', 750),
        place('cam', 'line', 'b', 'emu1', 250),
        place('cam', 'line', 'c', 'cpu', 1000),
        ...['src', 'left', 'right', 'join', 'audit'].map((m) => place('dia', 'dia', m, 'cpu', 1000)),
        ...['a', 'b', 'c'].map((m) => place('slow', 'line', m, 'cpu', 2)),
        ...['a', 'b', 'c'].map((m) => place('late', 'line', m, 'cpu', 1000)),
        place('far', 'line', 'a', 'cpu', 1000),
        { deployment: 'far', module: 'b', node: 'n2', accelerator: 'cpu', fps: 1000 },
        place('far', 'line', 'c', 'cpu', 1000),
      ],
      rejected: [{ deployment: 'big', reason: 'no GPU left for b' }],
    });
    // Node n2 is another member: its signed peer API (here a stand-in PeerCaller) reports its replicas and their ports.
    member = http.createServer();
    await new Promise<void>((r) => member.listen(0, '127.0.0.1', r));
    const n2Replicas = [
      { ...replica(replicaName('n2', 'line', 'b', 'default', 'cpu'), M('b2').port), app: 'line', module: 'b' },
    ];
    peers = {
      call: async <T>(_address: string, method: string, path: string) => {
        memberAsked.push(`${method} ${path}`);
        // The same body answers the list and the health of n2's replicas through its peer API (`ok`).
        return { status: 200, nodeId: 'n2', body: { replicas: n2Replicas, arrivals: {}, ok: true } as T };
      },
    };
    cluster.members.push({
      id: 'n2',
      address: `127.0.0.1:${(member.address() as AddressInfo).port}`,
      joinedAt: 0,
      lastSeen: 0,
      state: 'alive',
    });
    replicas = [
      rep('line', 'a', 'cpu', M('a')),
      rep('line', 'b', 'cpu', M('b')),
      rep('line', 'b', 'emu1', M('b2')),
      rep('line', 'c', 'cpu', M('c')),
      ...['src', 'left', 'right', 'join', 'audit'].map((m) => rep('dia', m, 'cpu', M(m))),
    ];
    dp = createDataPlane({
      nodeId: 'n1',
      store: { read: () => cluster },
      supervisor: { replicas: () => replicas },
      adminToken: 'x'.repeat(16),
      openFrames: true,
      logger: pino({ level: 'silent' }),
      now,
      peers,
      hop: directHop,
    });
    const outer = express();
    outer.use(dp.router);
    server = http.createServer(outer);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    dp.close();
    server.closeAllConnections();
    server.close();
    for (const m of mods.values()) {
      m.server.closeAllConnections();
      m.server.close();
    }
    member.closeAllConnections();
    member.close();
  });

  const send = (name: string, body = 'F', headers: Record<string, string> = {}) =>
    fetch(`${base}/v1/deployments/${name}/frames`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain', ...headers },
    });

  it('chains the modules in order and answers with the sink output; modules get the frame headers', async () => {
    const t0 = now();
    const r = await send('cam', 'frame-1', { 'rim-frame-id': 'f-1' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/x-trail');
    assert.equal(r.headers.get('rim-frame-id'), 'f-1');
    assert.match(await r.text(), /^frame-1>a>b2?>c$/);
    const seen = mods.get('a')!.seen.at(-1)!;
    assert.equal(seen.headers['rim-deployment'], 'cam');
    assert.equal(seen.headers['rim-frame-id'], 'f-1');
    const deadline = Number(seen.headers['rim-deadline']);
    assert.ok(deadline >= t0 + 2000 && deadline <= now() + 2000, `deadline ${deadline} is arrival + latencyMs`);
    assert.equal(
      mods.get('c')!.seen.at(-1)!.headers['content-type'],
      'text/x-trail',
      "a module's content type goes on to the next",
    );
  });

  it('spreads frames over replicas by planned fps: 3 of 4 frames to b, 1 to b2', async () => {
    const before = [mods.get('b')!.seen.length, mods.get('b2')!.seen.length];
    const trails: string[] = [];
    for (let i = 0; i < 40; i++) trails.push(await (await send('cam')).text());
    assert.equal(mods.get('b')!.seen.length - before[0]!, 30);
    assert.equal(mods.get('b2')!.seen.length - before[1]!, 10);
    assert.equal(trails.filter((t) => t === 'F>a>b2>c').length, 10);
  });

  it('measures each replica: its served rate follows its share, busy time is time with a call in flight', async () => {
    for (let i = 0; i < 40; i++) assert.equal((await send('cam')).status, 200);
    const reps = dp.report.windows().cam!.replicas!;
    const of = (module: string) => Object.values(reps).filter((r) => r.module === module);
    const [b, b2] = [of('b').sort((x, y) => y.servedFps - x.servedFps)[0]!, of('b').at(-1)!];
    assert.equal(of('b').length, 2, JSON.stringify(reps));
    assert.ok(b.servedFps > 2.5 * b2.servedFps, `3 of 4 frames to one b (${b.servedFps} vs ${b2.servedFps})`);
    for (const r of Object.values(reps)) assert.ok(r.busy > 0 && r.busy <= 1, JSON.stringify(r));
    const [a, c] = [of('a')[0]!.servedFps, of('c')[0]!.servedFps];
    assert.ok(Math.abs(a - c) < 0.05 * a, `a and c serve every frame (${a}, ${c})`);
  });

  it('joins a diamond: the join gets its inputs as JSON by module; several sinks answer as one object', async () => {
    const r = await send('dia', 'X');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.deepEqual(await r.json(), {
      join: '{"right":"X>src>right","left":"X>src>left"}>join',
      audit: 'X>src>audit',
    });
    assert.equal(mods.get('join')!.seen.at(-1)!.headers['content-type'], 'application/json');
  });

  it('refuses frames over the admitted rate with 429 and retry-after', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await send('slow')).status); // 2 fps: burst 1
    assert.deepEqual(codes.slice(0, 1), [200]);
    const r = await send('slow');
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '1');
    const body = (await r.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'rate-limited');
    assert.match(body.error.message, /admitted at 2 fps/);
  });

  it('unknown → 404, rejected → 409 with the reason, in the API error shape', async () => {
    const r404 = await send('nobody');
    assert.equal(r404.status, 404);
    assert.deepEqual(await r404.json(), {
      error: { code: 'not-found', message: 'deployment "nobody" does not exist' },
    });
    const r409 = await send('big');
    assert.equal(r409.status, 409);
    assert.deepEqual(await r409.json(), {
      error: { code: 'deployment-rejected', message: 'deployment "big" is rejected by the plan: no GPU left for b' },
    });
    // A rejected deployment's frames still count as arrivals: an "auto" rate follows what arrives even then.
    assert.ok(dp.stats.measured({ name: 'big', fps: 1, latencyMs: 1000 })!.inputFps! > 0);
    assert.equal(dp.stats.measured({ name: 'nobody', fps: 1, latencyMs: 1000 }), undefined);
  });

  it('a replica answering 5xx is replaced by the other replica of its module; both failing gives 503', async () => {
    mods.get('b')!.behaviour = '500';
    try {
      for (let i = 0; i < 4; i++) {
        const r = await send('cam');
        assert.equal(r.status, 200);
        assert.equal(await r.text(), 'F>a>b2>c');
      }
      mods.get('b2')!.behaviour = '500';
      const r = await send('cam');
      assert.equal(r.status, 503);
      const e = (await r.json()) as { error: { code: string; message: string } };
      assert.equal(e.error.code, 'no-replica');
      assert.match(e.error.message, /module b .* answered 500/);
    } finally {
      mods.get('b')!.behaviour = 'ok';
      mods.get('b2')!.behaviour = 'ok';
    }
  });

  it('a module that refuses the input (4xx) gives 422 naming it', async () => {
    mods.get('c')!.behaviour = '400';
    try {
      const r = await send('cam');
      assert.equal(r.status, 422);
      assert.match(((await r.json()) as { error: { message: string } }).error.message, /module c refused/);
    } finally {
      mods.get('c')!.behaviour = 'ok';
    }
  });

  it('a hanging module: 503 deadline-missed at the deadline, never a hang', async () => {
    mods.get('b')!.behaviour = 'hang';
    mods.get('b2')!.behaviour = 'hang';
    try {
      const t0 = Date.now();
      const r = await send('late');
      assert.equal(r.status, 503);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'deadline-missed');
      assert.ok(Date.now() - t0 < 5000, 'answered at the 300 ms deadline, not later');
    } finally {
      mods.get('b')!.behaviour = 'ok';
      mods.get('b2')!.behaviour = 'ok';
    }
  });

  it('a replica that is not running is not used; none running gives 503 naming the replicas', async () => {
    const saved = replicas;
    replicas = replicas.map((r) => (r.name.includes('-b-default-cpu') ? { ...r, state: 'crash-loop' } : r));
    try {
      pastRefresh();
      for (let i = 0; i < 4; i++) assert.equal(await (await send('cam')).text(), 'F>a>b2>c');
      replicas = replicas.filter((r) => !r.name.includes('-b-default-emu1'));
      pastRefresh();
      const r = await send('cam');
      assert.equal(r.status, 503);
      const msg = ((await r.json()) as { error: { message: string } }).error.message;
      assert.match(
        msg,
        /no replica of module b .*rim-n1-line-b-default-cpu on n1: crash-loop; replica rim-n1-line-b-default-emu1 on n1: not running there yet/,
      );
    } finally {
      replicas = saved;
      pastRefresh(); // the next test sees the replicas as they were
    }
  });

  it('a replica whose port refuses connections: the other one takes the frame', async () => {
    const saved = replicas;
    replicas = replicas.map((r) => (r.name.includes('-b-default-cpu') ? { ...r, port: 1 } : r));
    try {
      pastRefresh();
      for (let i = 0; i < 4; i++) {
        const r = await send('cam');
        assert.equal(r.status, 200);
        assert.equal(await r.text(), 'F>a>b2>c');
      }
    } finally {
      replicas = saved;
      pastRefresh(); // the next test sees the replicas as they were
    }
  });

  it("a replica on another member: its port as that member reports it, on the member's host", async () => {
    // The member is asked in the background (frames never wait on it);
    // until it answers, frames get 503 naming the replica.
    const r = await (async () => {
      for (let i = 0; i < 50; i++) {
        const x = await send('far');
        if (x.status === 200) return x;
        assert.match(
          ((await x.json()) as { error: { message: string } }).error.message,
          /rim-n2-line-b-default-cpu: node n2 has not reported its replicas \(port unknown\)/,
        );
        await new Promise((res) => setTimeout(res, 50));
      }
      throw new Error('never routed to n2');
    })();
    assert.equal(await r.text(), 'F>a>b2>c', "b's replica on n2 answers on the port n2 reported");
    assert.ok(memberAsked.includes('GET /v1/peer/replicas'));
    assert.ok(
      memberAsked.every((a) => a === 'GET /v1/peer/replicas' || a.startsWith('GET /v1/peer/replica-health?')),
      `asked on the signed peer API only: ${memberAsked.join(', ')}`,
    );
  });

  it('measures: counts, finish rate, percentiles, SLO; and renders Prometheus lines', async () => {
    // This test makes the frames it counts (the counters are per data plane, shared with the other tests).
    const count = (outcome: string, dep: string) => {
      const re = new RegExp(`rim_router_frames_total\\{deployment="${dep}",outcome="${outcome}"\\} (\\d+)`);
      return Number(re.exec(dp.stats.renderMetrics(cluster.deployments))?.[1] ?? 0);
    };
    const before = { slow: count('rate-limited', 'slow'), late: count('deadline-missed', 'late') };
    const refusedBefore = count('refused', 'cam');
    for (let i = 0; i < 4; i++) assert.equal((await send('cam')).status, 200);
    const slow: number[] = [];
    for (let i = 0; i < 4; i++) slow.push((await send('slow')).status); // 2 fps, a burst of 1 or 2: over the rate
    const limited = slow.filter((c) => c === 429).length;
    assert.ok(limited >= 1, `some frames over 2 fps are refused (${slow})`);
    mods.get('b')!.behaviour = 'hang';
    mods.get('b2')!.behaviour = 'hang';
    try {
      assert.equal((await send('late')).status, 503); // past its 300 ms deadline
    } finally {
      mods.get('b')!.behaviour = 'ok';
      mods.get('b2')!.behaviour = 'ok';
    }
    mods.get('c')!.behaviour = '400';
    try {
      assert.equal((await send('cam')).status, 422);
    } finally {
      mods.get('c')!.behaviour = 'ok';
    }
    const m = dp.stats.measured({ name: 'cam', fps: 1000, latencyMs: 2000 })!;
    assert.ok(m.fps! > 0);
    assert.ok(m.latencyMs.p50! > 0 && m.latencyMs.p50! <= m.latencyMs.p95! && m.latencyMs.p95! <= m.latencyMs.p99!);
    assert.equal(dp.stats.measured({ name: 'never', fps: 1, latencyMs: 1 }), undefined);
    const text = dp.stats.renderMetrics(cluster.deployments);
    assert.equal(count('rate-limited', 'slow'), before.slow + limited, 'each frame over the rate is counted');
    assert.equal(count('deadline-missed', 'late'), before.late + 1);
    assert.equal(count('refused', 'cam'), refusedBefore + 1);
    assert.match(text, /rim_router_frame_latency_seconds_bucket\{deployment="cam",le="\+Inf"\} \d+/);
    assert.match(text, /# TYPE rim_router_frame_latency_seconds histogram/);
  });
});
