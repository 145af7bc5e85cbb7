/**
 * The GPU half of scripts/gpu-check.sh, run with `node --import tsx`:
 *   inventory        prints this box's inventory as the appliance reads it (nvidia-smi first)
 *   profile IMAGE    profiles the first GPU module of IMAGE's app on the first real GPU, through
 *                    the real device path (DeviceRequests nvidia, NVIDIA_VISIBLE_DEVICES), and
 *                    prints what it measured
 * Exit 3: no real GPU in the inventory.
 */
import { SystemInventory } from '../src/adapters/inventory.js';
import { DockerContainerEngine } from '../src/adapters/docker-engine.js';
import { parseManifest } from '../src/domain/manifest.js';
import type { RegisteredApp } from '../src/domain/types.js';
import { createLogger } from '../src/log.js';
import { FrameInputs } from '../src/profiler/frame-inputs.js';
import { NvidiaSmiSampler } from '../src/profiler/gpu-sampler.js';
import { PortPool } from '../src/profiler/port-pool.js';
import { profilerTuningSchema } from '../src/profiler/profiler-options.js';
import { profileTarget } from '../src/profiler/profile-target.js';

const [cmd, image = 'rim/sample-synthetic:latest'] = process.argv.slice(2);
const inventory = await new SystemInventory({ nodeId: 'gpu-check', emulate: [], detectGpus: true }).get();
const gpus = inventory.accelerators.filter((a) => !a.emulated);
if (cmd === 'inventory') {
  console.log(JSON.stringify(inventory, null, 2));
  process.exit(gpus.length ? 0 : 3);
}
if (!gpus.length) {
  console.error('gpu-check: no NVIDIA GPU in the inventory');
  process.exit(3);
}

const engine = new DockerContainerEngine({ sandboxImage: process.env.RIM_DOCKER_SANDBOX_IMAGE ?? 'rim/appliance' });
const info = await engine.inspectImage(image);
if (!info.manifestLabel) throw new Error(`${image} has no rim.manifest label`);
const manifest = parseManifest(info.manifestLabel);
const gpuModule = manifest.modules.find((m) => m.accelerator === 'gpu');
if (!gpuModule) throw new Error(`${manifest.name} has no GPU module`);
const app: RegisteredApp = { name: manifest.name, image, digest: info.digest, manifest, registeredAt: Date.now() };
const tuning = profilerTuningSchema.parse({
  windowMs: 300,
  maxWindowMs: 2000,
  maxWindows: 4,
  warmupMs: 300,
  maxRunMs: 120_000,
});
const model = gpus[0]!.model;
const began = Date.now();
const profile = await profileTarget(
  app,
  { app: app.name, module: gpuModule.name, accelerator: model, digest: info.digest },
  {
    engine,
    nodeId: 'gpu-check',
    inventory,
    ports: new PortPool({ from: 17900, to: 17999 }),
    inputs: new FrameInputs((img, path) => engine.readImageFile(img, path)),
    tuning,
    logger: createLogger({ level: 'warn' }),
    gpu: new NvidiaSmiSampler(),
    now: Date.now,
    acceleratorId: gpus[0]!.id,
  },
  new AbortController().signal,
);
const d = profile.detail ?? {};
console.log(
  `gpu-check: ${app.name}/${gpuModule.name} on ${model} (${gpus[0]!.id}) ` +
    `in ${((Date.now() - began) / 1000).toFixed(1)} s`,
);
console.log(`  state ${profile.state}${profile.reason ? `: ${profile.reason}` : ''}`);
console.log(`  binding ${String(d.binding ?? '?')}`);
console.log(
  `  max ${profile.maxFps} fps, light-load latency ${profile.latencyMs} ms, ` +
    `${profile.cpuCores} cores, ${profile.memoryMB} MB`,
);
console.log(
  `  GPU memory ${profile.gpuMemoryMB ?? 'n/a'} MB, GPU utilisation ${String(d.gpuUtilPct ?? 'n/a')}%, ` +
    `frame ${profile.frameKB ?? '?'} KB`,
);
await engine.removeSandbox('gpu-check');
process.exit(profile.state === 'ok' ? 0 : 1);
