/**
 * One profiling run: start the replicas a target needs (one module, or every
 * module of the app for `*`) on this node with the target's accelerator,
 * wait for /healthz, drive /infer through the load search while sampling
 * resources, and turn the result into a stored profile. A module that never
 * becomes healthy, crashes, answers errors or hangs gives a `failed` profile
 * with the reason. The replicas are removed in every case.
 */
import { performance } from 'node:perf_hooks';
import type { ContainerEngine } from '../adapters/container-engine.js';
import { DEFAULT_VARIANT, topoOrder, type ModuleSpec } from '../domain/manifest.js';
import { CPU_MODEL, WHOLE_APP, type ProfileTarget } from '../domain/profiling/profile-key.js';
import { failedProfile, toStoredProfile } from '../domain/profiling/profile-result.js';
import { bindingFor, buildReplicaSpec } from '../domain/replica-spec.js';
import type { AcceleratorBinding, NodeInventory, RegisteredApp, StoredProfile } from '../domain/types.js';
import type { Logger } from '../log.js';
import { chainSend } from './chain-send.js';
import type { FrameInputs } from './frame-inputs.js';
import type { GpuSampler } from './gpu-sampler.js';
import { httpSend, loadAgent, postFrame } from './http-send.js';
import { levelOptions, searchOptions, type ProfilerTuning } from './profiler-options.js';
import { isProfilingFailed, ProfilingFailedError } from './profiling-error.js';
import { exitNote, startProfilingReplica, waitHealthy, type ProfilingReplica } from './profiling-replicas.js';
import type { PortPool } from './port-pool.js';
import { ResourceSampler } from './resource-sampler.js';
import { runSearch } from './run-search.js';

export interface TargetContext {
  engine: ContainerEngine;
  nodeId: string;
  inventory: NodeInventory;
  ports: PortPool;
  inputs: FrameInputs;
  tuning: ProfilerTuning;
  logger: Logger;
  gpu?: GpuSampler;
  /** Where replicas answer; unset: the node's sandbox address (the fence, docs/design.md). */
  host?: string;
  /** Epoch ms, for measuredAt. */
  now: () => number;
  /**
   * The accelerator to measure on (the leader's choice: one that holds no replica when it can);
   * else the model's first.
   */
  acceleratorId?: string;
}

/** The binding a module gets for a target on `model`: the chosen accelerator, else the model's first, or CPU cores. */
export function bindingForModule(
  mod: ModuleSpec,
  model: string,
  ctx: Pick<TargetContext, 'inventory' | 'tuning' | 'acceleratorId'>,
): AcceleratorBinding {
  if (mod.accelerator === 'cpu' || model === CPU_MODEL) return { kind: 'cpu', cpus: ctx.tuning.cpuModuleCores };
  const ofModel = ctx.inventory.accelerators.filter((a) => a.model === model);
  const acc = ofModel.find((a) => a.id === ctx.acceleratorId) ?? ofModel[0];
  if (!acc) throw new ProfilingFailedError(`no accelerator of model "${model}" on node ${ctx.inventory.id}`);
  return bindingFor(acc.id, ctx.inventory.accelerators);
}

const describeBinding = (b: AcceleratorBinding): string =>
  b.kind === 'cpu'
    ? `cpu ${b.cpus ?? 'all'} cores`
    : b.kind === 'emulated'
      ? `emulated ${b.model}: ${b.cpus} cpus`
      : `gpu ${b.model} (device ${b.deviceId})`;

/** The summed CPU quota of the bindings, when every one has a quota. */
function quotaCores(bs: readonly AcceleratorBinding[]): number | undefined {
  const qs = bs.map((b) => (b.kind === 'gpu' ? undefined : b.cpus));
  return qs.every((q) => q !== undefined) ? qs.reduce((a, q) => a! + q!, 0) : undefined;
}

/** Starts replicas for `mods`, runs `fn` once all are healthy, removes them whatever happens. */
async function withReplicas<T>(
  app: RegisteredApp,
  mods: ReadonlyArray<{ mod: ModuleSpec; variant: string; binding: AcceleratorBinding }>,
  ctx: TargetContext,
  signal: AbortSignal,
  fn: (replicas: ProfilingReplica[]) => Promise<T>,
): Promise<T> {
  const replicas: ProfilingReplica[] = [];
  const ports: number[] = [];
  try {
    const inUse = (await ctx.engine.listReplicas(ctx.nodeId)).map((r) => r.port);
    for (const { mod, variant, binding } of mods) {
      const port = await ctx.ports.take(inUse);
      ports.push(port);
      const spec = buildReplicaSpec({
        node: ctx.nodeId,
        app,
        module: mod.name,
        variant,
        accelerator: binding,
        port,
        role: 'profiling',
      });
      replicas.push(await startProfilingReplica(ctx.engine, spec, ctx.host));
      if (signal.aborted) throw new ProfilingFailedError(`profiling stopped: ${String(signal.reason ?? 'aborted')}`);
    }
    await Promise.all(replicas.map((r) => waitHealthy(ctx.engine, r, ctx.tuning.healthTimeoutMs, signal)));
    return await fn(replicas);
  } finally {
    await Promise.all(
      replicas.map((r) =>
        ctx.engine
          .remove(r.containerId)
          .catch((e: Error) =>
            ctx.logger.error(
              { container: r.spec.name, err: e.message },
              'could not remove a profiling replica; the startup sweep will',
            ),
          ),
      ),
    );
    ports.forEach((p) => ctx.ports.release(p));
  }
}

/** The input of `module`: the sample for the entry, else its upstream module's output (produced once). */
export async function inputFor(
  app: RegisteredApp,
  module: string,
  ctx: TargetContext,
  signal: AbortSignal,
): Promise<Buffer> {
  const m = app.manifest;
  if (module === m.entry) return ctx.inputs.sample(app);
  const parent = m.modules.find((x) => x.next.includes(module));
  if (!parent) return ctx.inputs.sample(app);
  const kept = ctx.inputs.output(app, parent.name);
  if (kept) return kept;
  const parentInput = await inputFor(app, parent.name, ctx, signal);
  const chosen = ctx.inventory.accelerators.find((a) => a.id === ctx.acceleratorId) ?? ctx.inventory.accelerators[0];
  const model = parent.accelerator === 'gpu' ? (chosen?.model ?? CPU_MODEL) : CPU_MODEL;
  if (parent.accelerator === 'gpu' && model === CPU_MODEL)
    throw new ProfilingFailedError(
      `cannot produce the input of ${module}: upstream ${parent.name} needs an accelerator`,
    );
  const binding = bindingForModule(parent, model, ctx);
  const out = await withReplicas(app, [{ mod: parent, variant: DEFAULT_VARIANT, binding }], ctx, signal, async ([r]) =>
    postFrame(
      {
        url: `${r!.url}/infer`,
        body: parentInput,
        agent: false,
        timeoutMs: ctx.tuning.requestTimeoutMs,
        keepBody: true,
      },
      signal,
    ),
  );
  if (!out.ok || !out.body)
    throw new ProfilingFailedError(
      `cannot produce the input of ${module}: upstream ${parent.name} answered ${out.error ?? 'nothing'}`,
    );
  ctx.inputs.keep(app, parent.name, out.body);
  return out.body;
}

export async function profileTarget(
  app: RegisteredApp,
  target: ProfileTarget,
  ctx: TargetContext,
  signal: AbortSignal,
): Promise<StoredProfile> {
  const began = performance.now();
  const runSignal = AbortSignal.any([signal, AbortSignal.timeout(ctx.tuning.maxRunMs)]);
  const log = ctx.logger.child({
    app: target.app,
    module: target.module,
    variant: target.variant,
    accelerator: target.accelerator,
  });
  const whole = target.module === WHOLE_APP;
  try {
    const mods = whole ? topoOrder(app.manifest) : app.manifest.modules.filter((m) => m.name === target.module);
    if (mods.length === 0) throw new ProfilingFailedError(`app ${app.name} has no module "${target.module}"`);
    const plan = mods.map((mod) => ({
      mod,
      variant: whole ? DEFAULT_VARIANT : (target.variant ?? DEFAULT_VARIANT),
      binding: bindingForModule(mod, target.accelerator, ctx),
    }));
    const input = whole ? await ctx.inputs.sample(app) : await inputFor(app, target.module, ctx, runSignal);
    const gpuBinding = plan.find((p) => p.binding.kind === 'gpu')?.binding;
    const gpu = ctx.gpu && gpuBinding?.kind === 'gpu' ? { sampler: ctx.gpu, deviceId: gpuBinding.deviceId } : undefined;
    const gpuBaseline = gpu ? (await gpu.sampler.read(gpu.deviceId))?.memoryUsedMB : undefined;
    log.info({ why: 'profiling', binding: plan.map((p) => describeBinding(p.binding)) }, 'profiling started');

    const profile = await withReplicas(app, plan, ctx, runSignal, async (replicas) => {
      const sampler = new ResourceSampler(
        ctx.engine,
        replicas.map((r) => r.containerId),
        ctx.tuning.statsIntervalMs,
        gpu ? { ...gpu, ...(gpuBaseline !== undefined ? { baselineMB: gpuBaseline } : {}) } : undefined,
      );
      const agent = loadAgent();
      const spans: Array<[number, number]> = []; // one per measured level, in order
      const wantOutput = !whole && !target.variant && !ctx.inputs.output(app, target.module);
      const output = { bytes: 0, answers: 0 }; // the module's frame size, from every answer
      try {
        const send = whole
          ? chainSend(
              app.manifest,
              new Map(replicas.map((r) => [r.spec.module, r.url])),
              input,
              agent,
              ctx.tuning.requestTimeoutMs,
            )
          : httpSend({
              url: `${replicas[0]!.url}/infer`,
              body: input,
              agent,
              timeoutMs: ctx.tuning.requestTimeoutMs,
              keepBody: wantOutput,
            });
        sampler.start();
        const explain = async (reason: string): Promise<string> => {
          const notes = await Promise.all(
            replicas.map(async (r) => {
              const n = await exitNote(ctx.engine, r);
              return n ? `${r.spec.module}: ${n} (crashed)` : undefined;
            }),
          );
          const crashed = notes.filter(Boolean);
          return crashed.length ? `${crashed.join('; ')}; ${reason}` : reason;
        };
        const bound = app.manifest.defaults?.latencyMs;
        const { outcome, levels } = await runSearch(
          send,
          {
            search: searchOptions(ctx.tuning, bound),
            level: levelOptions(ctx.tuning),
            warmupMs: ctx.tuning.warmupMs,
          },
          runSignal,
          {
            explain,
            onSpan: (_l, from, to) => {
              spans.push([from, to]);
            },
            onAnswer: (o) => {
              if (o.bytes !== undefined) {
                output.bytes += o.bytes;
                output.answers += 1;
              }
              if (wantOutput && o.body && !ctx.inputs.output(app, target.module))
                ctx.inputs.keep(app, target.module, o.body);
            },
          },
        );
        if (outcome.maxFps <= 0) throw new ProfilingFailedError('no frame was answered successfully');
        // Resources are those of the closed-loop peak: the module busy at its max fps.
        const closed = levels.filter((l) => l.level.mode === 'closed' && !l.overloaded);
        const peak = (closed.length ? closed : levels).reduce((a, b) =>
          b.stats.throughput > a.stats.throughput ? b : a,
        );
        const [from, to] = spans[levels.indexOf(peak)] ?? [0, performance.now()];
        await sampler.stop();
        const resources = sampler.useDuring(from, to);
        const quota = quotaCores(plan.map((p) => p.binding));
        return toStoredProfile(
          target,
          {
            outcome,
            levels,
            resources,
            durationMs: performance.now() - began,
            binding: plan.map((p) => `${p.mod.name}: ${describeBinding(p.binding)}`).join(', '),
            inputBytes: input.length,
            ...(quota !== undefined ? { quotaCores: quota } : {}),
            ...(!whole && output.answers > 0 ? { outputBytes: output.bytes / output.answers } : {}),
          },
          ctx.now(),
        );
      } finally {
        await sampler.stop();
        agent.destroy();
      }
    });
    log.info(
      {
        maxFps: profile.maxFps,
        latencyMs: profile.latencyMs,
        cpuCores: profile.cpuCores,
        memoryMB: profile.memoryMB,
        ms: Math.round(performance.now() - began),
      },
      'profiled',
    );
    return profile;
  } catch (e) {
    if (signal.aborted) throw e; // the appliance is stopping: record nothing
    const reason = runSignal.aborted
      ? `profiling took longer than ${Math.round(ctx.tuning.maxRunMs / 1000)} s`
      : isProfilingFailed(e)
        ? e.message
        : `profiling could not run: ${(e as Error).message}`;
    log.warn({ reason }, 'profiling failed');
    return failedProfile(target, reason, ctx.now(), { durationMs: Math.round(performance.now() - began) });
  }
}
