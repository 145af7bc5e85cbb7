/**
 * Which profiles to measure: every (module, variant, accelerator model) in
 * use and every whole app on every model, against what is stored. A profile
 * is due when missing, measured on another digest, older than its maximum
 * age, marked stale, or when a refresh is forced. A failed profile of the
 * same digest is not retried until it ages out or a refresh is forced, so a
 * broken image never keeps the profiler busy. A measurement made beside
 * production replicas (`shared`) is due again once an accelerator of its
 * model holds no replica (`freeModels`).
 */
import { DEFAULT_VARIANT, topoOrder } from '../manifest.js';
import type { RegisteredApp, StoredProfile } from '../types.js';
import { CPU_MODEL, WHOLE_APP, profileIdentity, storedVariant, type ProfileTarget } from './profile-key.js';

export type DueReason = 'missing' | 'new-digest' | 'stale' | 'forced' | 'shared';

export interface ProfileTask {
  target: ProfileTarget;
  why: DueReason;
}

export interface TaskInputs {
  apps: readonly RegisteredApp[];
  /** Accelerator models present (real or emulated GPUs); `cpu` is implied. */
  models: readonly string[];
  profiles: readonly StoredProfile[];
  /** Digests of images other than an app's own (`image` values ≠ "self"). */
  imageDigests?: Readonly<Record<string, string>>;
  now: number;
  /** Profiles older than this are stale; undefined: never by age. */
  maxAgeMs?: number;
  force?: boolean;
  /** Only these apps (all when undefined). */
  onlyApps?: readonly string[];
  /** Models with an accelerator that holds no replica now: a `shared` profile on one of them is redone. */
  freeModels?: readonly string[];
}

/** Every target the cluster uses, in order: per app, modules in DAG order, then the whole app. */
export function profileTargets(
  inputs: Pick<TaskInputs, 'apps' | 'models' | 'imageDigests' | 'onlyApps'>,
): ProfileTarget[] {
  const gpuModels = [...new Set(inputs.models.filter((m) => m !== CPU_MODEL))].sort();
  const out: ProfileTarget[] = [];
  for (const app of inputs.apps) {
    if (inputs.onlyApps && !inputs.onlyApps.includes(app.name)) continue;
    const digestOf = (image: string | undefined): string =>
      !image || image === 'self' ? app.digest : (inputs.imageDigests?.[image] ?? app.digest);
    for (const mod of topoOrder(app.manifest)) {
      const models = mod.accelerator === 'gpu' ? gpuModels : [CPU_MODEL];
      const variants = [{ name: DEFAULT_VARIANT, image: undefined as string | undefined }, ...(mod.variants ?? [])];
      for (const v of variants) {
        for (const model of models) {
          out.push({
            app: app.name,
            module: mod.name,
            accelerator: model,
            digest: digestOf(v.image ?? mod.image),
            ...(storedVariant(v.name) ? { variant: v.name } : {}),
          });
        }
      }
    }
    const usesGpu = app.manifest.modules.some((m) => m.accelerator === 'gpu');
    for (const model of usesGpu ? gpuModels : [CPU_MODEL]) {
      out.push({ app: app.name, module: WHOLE_APP, accelerator: model, digest: app.digest });
    }
  }
  return out;
}

/** Why a target is due, or undefined when its stored profile still holds. */
export function dueReason(
  t: ProfileTarget,
  stored: StoredProfile | undefined,
  i: Pick<TaskInputs, 'now' | 'maxAgeMs' | 'force' | 'freeModels'>,
): DueReason | undefined {
  if (!stored) return 'missing';
  if (stored.digest !== t.digest) return 'new-digest';
  if (i.force) return 'forced';
  if (stored.shared && stored.state === 'ok' && i.freeModels?.includes(t.accelerator)) return 'shared';
  if (stored.state === 'stale') return 'stale';
  if (i.maxAgeMs !== undefined && i.now - stored.measuredAt > i.maxAgeMs) return 'stale';
  return undefined;
}

export function dueProfiles(inputs: TaskInputs): ProfileTask[] {
  const byId = new Map(inputs.profiles.map((p) => [profileIdentity(p), p]));
  const tasks: ProfileTask[] = [];
  for (const target of profileTargets(inputs)) {
    const why = dueReason(target, byId.get(profileIdentity(target)), inputs);
    if (why) tasks.push({ target, why });
  }
  return tasks;
}
