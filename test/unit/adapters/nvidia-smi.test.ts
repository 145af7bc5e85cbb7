/**
 * The inventory reads GPUs from nvidia-smi inside the appliance's container:
 * its parser against samples of the real output format for several GPU
 * models, odd fields included (test/fixtures/nvidia-smi/README.md says how
 * they were made).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { NVIDIA_SMI_QUERY, parseNvidiaSmi, SystemInventory } from '../../../src/adapters/inventory.js';
import { parseGpuReadings } from '../../../src/profiler/gpu-sampler.js';

const sample = (name: string): string =>
  readFileSync(new URL(`../../fixtures/nvidia-smi/${name}`, import.meta.url), 'utf8');

test('the inventory asks nvidia-smi for model, memory and what is in use, without header or units', () => {
  assert.deepEqual(NVIDIA_SMI_QUERY, [
    '--query-gpu=index,uuid,name,memory.total,memory.used,utilization.gpu',
    '--format=csv,noheader,nounits',
  ]);
});

test('an H200 box: one GPU, its model and memory', () => {
  assert.deepEqual(parseNvidiaSmi(sample('h200.csv')), [
    {
      index: 0,
      uuid: 'GPU-3f5e6a2b-8c1d-4e7f-9a0b-1c2d3e4f5a6b',
      name: 'NVIDIA H200',
      memoryMB: 143771,
      memoryUsedMB: 0,
      utilizationPct: 0,
    },
  ]);
});

test('four A100 80GB: every GPU in index order, one of them busy', () => {
  const gpus = parseNvidiaSmi(sample('a100-80gb-x4.csv'));
  assert.deepEqual(
    gpus.map((g) => g.index),
    [0, 1, 2, 3],
  );
  assert.ok(gpus.every((g) => g.name === 'NVIDIA A100-SXM4-80GB' && g.memoryMB === 81920));
  assert.deepEqual([gpus[1]!.memoryUsedMB, gpus[1]!.utilizationPct], [52310, 97]);
});

test('a MIG-enabled A100 reports [N/A] utilisation: the GPU is listed, the figure left out', () => {
  const [g] = parseNvidiaSmi(sample('a100-mig.csv'));
  assert.equal(g!.name, 'NVIDIA A100 80GB PCIe');
  assert.equal(g!.memoryMB, 81920);
  assert.equal(g!.memoryUsedMB, 37);
  assert.equal('utilizationPct' in g!, false);
});

test("trailing spaces, CRLF line ends and an older driver's name without the NVIDIA prefix", () => {
  const rtx = parseNvidiaSmi(sample('rtx-2080-ti-trailing-spaces.csv'));
  assert.deepEqual(
    rtx.map((g) => [g.index, g.name, g.memoryMB, g.utilizationPct]),
    [
      [0, 'NVIDIA GeForce RTX 2080 Ti', 11264, 0],
      [1, 'NVIDIA GeForce RTX 2080 Ti', 11264, 100],
    ],
  );
  const gtx = parseNvidiaSmi(sample('gtx-1080-ti-old-driver-crlf.csv'));
  assert.deepEqual(
    gtx.map((g) => [g.name, g.memoryMB, g.memoryUsedMB, g.utilizationPct]),
    [['GeForce GTX 1080 Ti', 11178, 2, 3]],
  );
});

test('a T4 and a card that does not support the usage queries', () => {
  assert.deepEqual(
    parseNvidiaSmi(sample('t4.csv')).map((g) => [g.name, g.memoryMB]),
    [['Tesla T4', 15360]],
  );
  const [g] = parseNvidiaSmi(sample('gtx-1080-not-supported.csv'));
  assert.deepEqual(g, {
    index: 0,
    uuid: 'GPU-0d1e2f3a-4b5c-6d7e-8f9a-0b1c2d3e4f5a',
    name: 'NVIDIA GeForce GTX 1080',
    memoryMB: 8192,
  });
});

test('no driver: nvidia-smi prints an error, which lists no GPU', () => {
  assert.deepEqual(parseNvidiaSmi(sample('no-driver.txt')), []);
  assert.deepEqual(parseNvidiaSmi(''), []);
});

test("the profiler's GPU sampler reads its own query's output by index or UUID; [N/A] reads as 0", () => {
  const rows = parseGpuReadings('0, GPU-7e8f9a0b-1c2d-3e4f-5a6b-7c8d9e0f1a2b, 37, [N/A]\n1, GPU-1a2b, 52310, 97  \n');
  assert.deepEqual(rows, [
    { index: '0', uuid: 'GPU-7e8f9a0b-1c2d-3e4f-5a6b-7c8d9e0f1a2b', memoryUsedMB: 37, utilizationPct: 0 },
    { index: '1', uuid: 'GPU-1a2b', memoryUsedMB: 52310, utilizationPct: 97 },
  ]);
});

test('each GPU becomes an accelerator of its model, gpu<index>, next to the emulated ones', async () => {
  const inv = new SystemInventory({
    nodeId: 'n1',
    detectGpus: true,
    emulate: [{ model: 'T4', cpus: 1 }],
    probeHost: async () => ({ cpus: 16, memoryMB: 128000 }),
    probeGpus: async () => parseNvidiaSmi(sample('a100-80gb-x4.csv')).slice(0, 2),
  });
  const a = await inv.get();
  assert.deepEqual(
    a.accelerators.map((x) => [x.id, x.model, x.memoryMB, x.emulated ?? false]),
    [
      ['gpu0', 'NVIDIA A100-SXM4-80GB', 81920, false],
      ['gpu1', 'NVIDIA A100-SXM4-80GB', 81920, false],
      ['emu0', 'T4', 4096, true],
    ],
  );
  assert.equal(a.cpus, 15);
});
