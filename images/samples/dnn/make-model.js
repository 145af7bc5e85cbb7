// Builds the sample's two small CNNs (full and lite) with seeded random
// weights and saves each as model.json + weights.bin. Runs on the host at
// image build time (images/build.sh), so nothing is downloaded at run time.
//   node make-model.js <outDir>
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';

export const INPUT = [64, 64, 3];
export const CLASSES = 10;

function build(filters, seed) {
  let s = seed;
  const init = () => tfl.initializers.glorotUniform({ seed: s++ });
  const m = tfl.sequential();
  m.add(
    tfl.layers.conv2d({
      inputShape: INPUT,
      filters,
      kernelSize: 3,
      activation: 'relu',
      padding: 'same',
      kernelInitializer: init(),
    }),
  );
  m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  m.add(
    tfl.layers.conv2d({
      filters: filters * 2,
      kernelSize: 3,
      activation: 'relu',
      padding: 'same',
      kernelInitializer: init(),
    }),
  );
  m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  m.add(
    tfl.layers.conv2d({
      filters: filters * 4,
      kernelSize: 3,
      activation: 'relu',
      padding: 'same',
      kernelInitializer: init(),
    }),
  );
  m.add(tfl.layers.globalAveragePooling2d({}));
  m.add(tfl.layers.dense({ units: CLASSES, activation: 'softmax', kernelInitializer: init() }));
  return m;
}

async function save(model, dir) {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const { weightData, ...rest } = artifacts;
      const json = { ...rest, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }] };
      delete json.weightSpecs;
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      writeFileSync(join(dir, 'weights.bin'), Buffer.from(weightData));
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
}

const out = process.argv[2] ?? 'model';
await tf.setBackend('cpu');
for (const [name, filters, seed] of [
  ['full', 16, 1],
  ['lite', 4, 101],
]) {
  const m = build(filters, seed);
  await save(m, join(out, name));
  console.log(`dnn: saved ${name} CNN (${m.countParams()} parameters) to ${join(out, name)}`);
}
// A marker build.sh checks for.
writeFileSync(join(out, 'model.json'), JSON.stringify({ models: ['full', 'lite'], input: INPUT, classes: CLASSES }));
