// A calibrated synthetic Rim module (docs/design.md, "The module contract").
// Plain node:http, no dependencies. Each frame costs COST_MS of *CPU time*
// (measured with process.cpuUsage), so a CPU quota (an emulated accelerator's
// --cpus) stretches it in wall time and lowers throughput, as a slower GPU
// would. Frames are served one at a time (FIFO, concurrency 1): on one full
// core a replica sustains at most 1000 / COST_MS frames per second.
//
// Env: RIM_PORT (8080), RIM_HOST (0.0.0.0), RIM_APP, RIM_MODULE, RIM_VARIANT,
//   COST_MS (per-frame CPU ms, default 10), LOAD_MS (delay before /healthz is
//   200, default 0; /healthz reports `early`, the frames that came before, and
//   `received`, every frame that came),
//   OUT_BYTES (output size; unset: a small JSON), QUEUE_MAX
//   (frames waiting before 503, default 256), SEED (error-rate PRNG),
//   FAIL_MODE: never-healthy | crash-after:N | error-rate:P | hang | exit-at-start
//
// Trail mode (switched on by the frame itself, off for every other input, so
// profiles and calibration are untouched): an input whose first line is
// "rim-trail:<trail>" gets "rim-trail:<trail>><module>\n" put in front of the
// output (OUT_BYTES mode) or a `trail` field "<trail>><module>" (JSON mode).
// Sent through Rim's router, the sink's answer shows the modules a frame
// visited, in order: "decode>detect>track".
'use strict';
const http = require('node:http');

const env = process.env;
const num = (v, d) => (v === undefined || v === '' || Number.isNaN(Number(v)) ? d : Number(v));
const PORT = num(env.RIM_PORT, 8080);
const HOST = env.RIM_HOST || '0.0.0.0';
const COST_MS = num(env.COST_MS, 10);
const LOAD_MS = num(env.LOAD_MS, 0);
const OUT_BYTES = env.OUT_BYTES === undefined || env.OUT_BYTES === '' ? undefined : num(env.OUT_BYTES, 0);
const QUEUE_MAX = num(env.QUEUE_MAX, 256);
const who = {
  app: env.RIM_APP || 'synthetic',
  module: env.RIM_MODULE || 'synthetic',
  variant: env.RIM_VARIANT || 'default',
};

const [failKind, failArg] = (env.FAIL_MODE || '').split(':');
const log = (msg, extra) => process.stdout.write(JSON.stringify({ time: Date.now(), msg, ...who, ...extra }) + '\n');

// mulberry32: a deterministic PRNG so error-rate runs are reproducible.
let seed = num(env.SEED, 1) >>> 0;
const random = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

let loaded = false;
let served = 0;
// Frames that reached /infer before /healthz answered 200 (a router must send none); every frame that reached it.
let early = 0;
let received = 0;
let sink = 0;

/**
 * Spins until this process has used `ms` more CPU milliseconds (user + system),
 * in slices of about 2 ms with the event loop free in between: new frames are
 * accepted (and their queueing time counted) and /healthz answers under load.
 */
function burnCpu(ms, done) {
  const start = process.cpuUsage();
  const target = ms * 1000;
  const usedSoFar = () => {
    const d = process.cpuUsage(start);
    return d.user + d.system;
  };
  const slice = () => {
    let used = usedSoFar();
    const sliceEnd = Math.min(target, used + 2000);
    while (used < sliceEnd) {
      for (let i = 0; i < 20000; i++) sink = (sink + Math.sqrt(i * 1.0001)) % 1e9;
      used = usedSoFar();
    }
    if (used < target) setImmediate(slice);
    else done(used / 1000);
  };
  if (ms <= 0) done(0);
  else slice();
}

const outputCache = new Map();
function outputOf(bytes) {
  if (!outputCache.has(bytes)) {
    const b = Buffer.alloc(bytes);
    for (let i = 0; i < bytes; i++) b[i] = (i * 31 + 7) & 0xff;
    outputCache.set(bytes, b);
  }
  return outputCache.get(bytes);
}

const TRAIL_PREFIX = Buffer.from('rim-trail:');
/** The trail this frame carries, or undefined when it is not in trail mode. */
function trailOf(body) {
  if (body.length < TRAIL_PREFIX.length || !body.subarray(0, TRAIL_PREFIX.length).equals(TRAIL_PREFIX))
    return undefined;
  const end = body.indexOf(10, TRAIL_PREFIX.length);
  return body
    .subarray(TRAIL_PREFIX.length, end < 0 ? Math.min(body.length, 1024) : Math.min(end, 1024))
    .toString('utf8');
}
const withModule = (trail) => (trail ? `${trail}>${who.module}` : who.module);

const queue = [];
let busy = false;

function pump() {
  if (busy) return;
  const job = queue.shift();
  if (!job) return;
  busy = true;
  const { req, res, body, queuedAt } = job;
  const startedAt = Date.now();
  burnCpu(COST_MS, (cpuMs) => {
    served += 1;
    reply(req, res, body, queuedAt, startedAt, cpuMs);
    busy = false;
    setImmediate(pump);
  });
}

function reply(req, res, body, queuedAt, startedAt, cpuMs) {
  if (failKind === 'crash-after' && served >= num(failArg, 1)) {
    log('crashing on purpose', { served });
    process.exit(1);
  }
  if (failKind === 'error-rate' && random() < num(failArg, 0.5)) {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'synthetic-failure', message: 'FAIL_MODE error-rate' } }));
    return;
  }
  const headers = {
    'rim-queue-ms': String(startedAt - queuedAt),
    'rim-cpu-ms': cpuMs.toFixed(2),
    // When this frame's work began and ended (epoch ms): shows frames never overlap.
    'rim-work-ms': `${startedAt}-${Date.now()}`,
  };
  const trail = trailOf(body);
  if (OUT_BYTES !== undefined) {
    res.writeHead(200, { ...headers, 'content-type': 'application/octet-stream' });
    if (trail === undefined) res.end(outputOf(OUT_BYTES));
    else res.end(Buffer.concat([Buffer.from(`rim-trail:${withModule(trail)}\n`), outputOf(OUT_BYTES)]));
  } else {
    res.writeHead(200, { ...headers, 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        ...who,
        frameId: req.headers['rim-frame-id'] ?? null,
        inBytes: body.length,
        cpuMs: Number(cpuMs.toFixed(2)),
        queueMs: startedAt - queuedAt,
        served,
        ...(trail === undefined ? {} : { trail: withModule(trail) }),
      }),
    );
  }
}

const server = http.createServer((req, res) => {
  const path = (req.url || '/').split('?')[0];
  if (req.method === 'GET' && path === '/healthz') {
    const ok = loaded && failKind !== 'never-healthy';
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ ok, ...who, served, early, received, queued: queue.length }));
  }
  if (req.method === 'POST' && path === '/infer') {
    received += 1;
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (!loaded) {
        early += 1;
        res.writeHead(503, { 'retry-after': '1' });
        return res.end('loading');
      }
      if (failKind === 'hang') return; // never answers: the caller's deadline must save it
      if (queue.length >= QUEUE_MAX) {
        res.writeHead(503, { 'retry-after': '1' });
        return res.end('queue full');
      }
      queue.push({ req, res, body: Buffer.concat(chunks), queuedAt: Date.now() });
      pump();
    });
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code: 'not-found', message: `${req.method} ${path}` } }));
});

// PID 1 in a container ignores SIGTERM unless handled: handle it so `docker stop` is quick.
for (const sig of ['SIGTERM', 'SIGINT'])
  process.on(sig, () => {
    log('stopping', { signal: sig });
    server.close();
    process.exit(0);
  });

server.listen(PORT, HOST, () => {
  log('listening', { port: PORT, costMs: COST_MS, loadMs: LOAD_MS, failMode: env.FAIL_MODE || null });
  setTimeout(() => {
    if (failKind === 'exit-at-start') {
      log('exiting on purpose (FAIL_MODE=exit-at-start)');
      process.exit(3);
    }
    loaded = true;
    log('loaded');
  }, LOAD_MS);
});
