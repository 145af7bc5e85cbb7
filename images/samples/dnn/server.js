// Rim's DNN sample module: a real (small) convolutional network on
// TensorFlow.js's pure-JS CPU backend, serving docs/design.md's module contract.
//   STAGE=preprocess: any bytes → a 64×64×3 RGB frame (12288 bytes, nearest sampling)
//   STAGE=classify:   a 64×64×3 frame → class scores (JSON); MODEL=full|lite
// Frames are served one at a time (the CPU backend computes on this thread).
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';

const env = process.env;
const PORT = Number(env.RIM_PORT || 8080);
const STAGE = env.STAGE || 'classify';
const MODEL = env.MODEL || 'full';
const MODEL_DIR = env.MODEL_DIR || '/app/model';
const [H, W, C] = [64, 64, 3];
const who = { app: env.RIM_APP || 'dnn', module: env.RIM_MODULE || STAGE, variant: env.RIM_VARIANT || 'default' };
const log = (msg, extra) => process.stdout.write(JSON.stringify({ time: Date.now(), msg, ...who, ...extra }) + '\n');

let model;
let served = 0;

async function load() {
  if (STAGE !== 'classify') return;
  await tf.setBackend('cpu');
  const dir = join(MODEL_DIR, MODEL);
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const weights = readFileSync(join(dir, json.weightsManifest[0].paths[0]));
  model = await tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
  tf.tidy(() => model.predict(tf.zeros([1, H, W, C]))); // warm up
}

/** Nearest-neighbour resampling of any byte string into an H×W×C frame. */
function preprocess(input) {
  const out = Buffer.alloc(H * W * C);
  if (input.length === 0) return out;
  const step = input.length / out.length;
  for (let i = 0; i < out.length; i++) out[i] = input[Math.floor(i * step)];
  return out;
}

function classify(frame) {
  const pixels = frame.length === H * W * C ? frame : preprocess(frame);
  const scores = tf.tidy(() => {
    const x = tf.tensor(
      Float32Array.from(pixels, (v) => v / 255),
      [1, H, W, C],
    );
    return model.predict(x).dataSync();
  });
  const list = Array.from(scores, (s) => Number(s.toFixed(5)));
  const top = list.indexOf(Math.max(...list));
  return { ...who, model: MODEL, top, scores: list };
}

const server = http.createServer((req, res) => {
  const path = (req.url || '/').split('?')[0];
  if (req.method === 'GET' && path === '/healthz') {
    const ok = STAGE !== 'classify' || !!model;
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ ok, ...who, stage: STAGE, model: STAGE === 'classify' ? MODEL : null, served }));
  }
  if (req.method === 'POST' && path === '/infer') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      try {
        const t0 = process.hrtime.bigint();
        if (STAGE === 'preprocess') {
          const out = preprocess(body);
          served += 1;
          res.writeHead(200, {
            'content-type': 'application/octet-stream',
            'rim-compute-ms': String(Number(process.hrtime.bigint() - t0) / 1e6),
          });
          return res.end(out);
        }
        if (!model) {
          res.writeHead(503, { 'retry-after': '1' });
          return res.end('loading');
        }
        const result = classify(body);
        served += 1;
        res.writeHead(200, {
          'content-type': 'application/json',
          'rim-compute-ms': String(Number(process.hrtime.bigint() - t0) / 1e6),
        });
        res.end(JSON.stringify({ ...result, frameId: req.headers['rim-frame-id'] ?? null }));
      } catch (e) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'inference-failed', message: String(e && e.message) } }));
      }
    });
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code: 'not-found', message: `${req.method} ${path}` } }));
});

for (const sig of ['SIGTERM', 'SIGINT'])
  process.on(sig, () => {
    log('stopping', { signal: sig });
    server.close();
    process.exit(0);
  });

server.listen(PORT, env.RIM_HOST || '0.0.0.0', () => {
  log('listening', { port: PORT, stage: STAGE, model: MODEL });
  const t0 = Date.now();
  load().then(
    () => log('loaded', { loadMs: Date.now() - t0 }),
    (e) => {
      log('load failed', { error: String(e) });
      process.exit(2);
    },
  );
});
