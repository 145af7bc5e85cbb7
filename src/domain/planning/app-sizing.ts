/**
 * Whether the placement engine can size an app on the live nodes: every
 * module has an `ok` profile (any variant, sustaining some fps) on at least
 * one accelerator model the nodes have (`cpu` for CPU modules). Until then
 * the app runs on the stand-in: the engine can only reject what it cannot
 * size, and a missing profile must never cost a running stream. Also says
 * whether profiling is still under way for the app on these models, and
 * what is missing, in words, for rejection reasons. Pure.
 */
import { DEFAULT_VARIANT } from '../manifest.js';
import { CPU_MODEL, WHOLE_APP } from '../profiling/profile-key.js';
import type { NodeInventory, RegisteredApp, StoredProfile } from '../types.js';

export interface AppSizing {
  /** Every module has a usable profile on a model present: the engine places it. */
  sized: boolean;
  /** Some profile on a model present is not measured yet (missing, stale, or of another image digest). */
  profiling: boolean;
  /** Why it is not sized, one line per module, e.g. "module det: no usable profile on T4 (failed: …)". */
  missing: string[];
}

const usable = (p: StoredProfile | undefined): boolean => !!p && p.state === 'ok' && p.maxFps > 0;

function stateOf(p: StoredProfile | undefined): string {
  if (!p) return 'not measured yet';
  if (p.state === 'failed') return `failed${p.reason ? `: ${p.reason}` : ''}`;
  if (p.state === 'stale') return 'stale, being re-measured';
  return p.maxFps > 0 ? 'ok' : 'sustains 0 fps';
}

/** The accelerator models present on `nodes`: GPU models, sorted, and `cpu` when there is a node. */
export function modelsOf(nodes: readonly NodeInventory[]): { gpu: string[]; cpu: boolean } {
  const gpu = [...new Set(nodes.flatMap((n) => n.accelerators.map((a) => a.model)))].sort();
  return { gpu, cpu: nodes.length > 0 };
}

export function appSizing(
  app: RegisteredApp,
  profiles: readonly StoredProfile[],
  nodes: readonly NodeInventory[],
): AppSizing {
  const present = modelsOf(nodes);
  const mine = profiles.filter((p) => p.app === app.name);
  const find = (module: string, variant: string, model: string) =>
    mine.find((p) => p.module === module && (p.variant ?? DEFAULT_VARIANT) === variant && p.accelerator === model);
  const pending = (p: StoredProfile | undefined, selfImage: boolean) =>
    !p || p.state === 'stale' || (selfImage && p.digest !== app.digest);
  const missing: string[] = [];
  let profiling = false;
  for (const mod of app.manifest.modules) {
    const gpu = mod.accelerator === 'gpu';
    const models = gpu ? present.gpu : present.cpu ? [CPU_MODEL] : [];
    const variants = [
      { name: DEFAULT_VARIANT, image: mod.image },
      ...(mod.variants ?? []).map((v) => ({ name: v.name, image: v.image ?? mod.image })),
    ];
    let ok = false;
    for (const v of variants) {
      for (const model of models) {
        const p = find(mod.name, v.name, model);
        ok ||= usable(p);
        profiling ||= pending(p, !v.image || v.image === 'self');
      }
    }
    if (ok) continue;
    if (!models.length) {
      missing.push(gpu ? `module ${mod.name} needs a GPU and no live node has one (real or emulated)` : 'no live node');
      continue;
    }
    const states = models.map((model) => `${model} (${stateOf(find(mod.name, DEFAULT_VARIANT, model))})`);
    missing.push(`module ${mod.name}: no usable profile on ${states.join(', ')}`);
  }
  const usesGpu = app.manifest.modules.some((m) => m.accelerator === 'gpu');
  for (const model of usesGpu ? present.gpu : present.cpu ? [CPU_MODEL] : []) {
    profiling ||= pending(find(WHOLE_APP, DEFAULT_VARIANT, model), true);
  }
  return { sized: missing.length === 0, profiling, missing };
}
