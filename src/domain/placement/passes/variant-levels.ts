/**
 * The variant levels of an app: full quality first, then one module demoted
 * at a time to its lighter variant, the module that saves the most GPU per
 * quality lost first. A deployment tries each level before it is rejected.
 * O(modules · variants · models).
 */
import type { Problem } from '../problem.js';

const cache = new WeakMap<Problem, Map<string, string[][]>>();

/**
 * Variant choices per module, from full quality to lightest: each step demotes the module that saves the most GPU.
 * Computed once per problem and app; the arrays are shared (callers only read them), which also lets
 * per-level tables (dag-table.ts) be looked up by the array itself.
 */
export function variantLevels(p: Problem, app: string): string[][] {
  let byApp = cache.get(p);
  if (!byApp) {
    byApp = new Map();
    cache.set(p, byApp);
  }
  let levels = byApp.get(app);
  if (!levels) {
    levels = computeLevels(p, app);
    byApp.set(app, levels);
  }
  return levels;
}

function computeLevels(p: Problem, app: string): string[][] {
  const info = p.apps.get(app)!;
  const current = info.modules.map(() => 'default');
  const levels = [[...current]];
  const best = (m: number, v: string): number => {
    let f = 0;
    for (const model of p.models) {
      f = Math.max(f, p.profiles.get(`${app}\u0000${info.modules[m]!.name}\u0000${v}\u0000${model}`)?.maxFps ?? 0);
    }
    return f;
  };
  const steps: Array<{ m: number; v: string; gain: number }> = [];
  for (const mod of info.modules) {
    for (const v of mod.variants.slice(1)) {
      const fv = best(mod.index, v.name);
      const fd = best(mod.index, 'default');
      // GPU share per fps saved, per quality lost (a variant that loses nothing comes first).
      const saved = fd > 0 ? 1 / fd - 1 / fv : Infinity;
      if (fv > 0) steps.push({ m: mod.index, v: v.name, gain: saved / Math.max(1e-6, 1 - v.quality) });
    }
  }
  steps.sort((a, b) => b.gain - a.gain || a.m - b.m);
  for (const s of steps) {
    if (current[s.m] !== 'default') continue; // one demotion per module, to its best-saving variant
    current[s.m] = s.v;
    levels.push([...current]);
  }
  return levels;
}
