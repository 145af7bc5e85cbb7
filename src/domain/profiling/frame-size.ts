/**
 * A module's frame size (its output per frame) as placement sees it: the
 * size the profiler measured when there is one (the newest `ok` profile of
 * the module's own form, on any model: the output does not depend on the
 * accelerator), else the manifest's declared `frameKB`. An app's input
 * frame (what clients send, the entry module's request) is the sample frame
 * the profiler sent its entry module or whole DAG (`detail.inputBytes`).
 */
import type { AppSpec, Manifest, StoredProfile } from '../types.js';
import { WHOLE_APP } from './profile-key.js';

/** Measured frame sizes by "app/module" (KB). */
export function measuredFrameKB(profiles: readonly StoredProfile[]): Map<string, number> {
  const newest = new Map<string, StoredProfile>();
  for (const p of profiles) {
    if (p.state !== 'ok' || p.frameKB === undefined || p.variant !== undefined || p.module === WHOLE_APP) continue;
    const key = `${p.app}/${p.module}`;
    const had = newest.get(key);
    if (!had || p.measuredAt > had.measuredAt) newest.set(key, p);
  }
  return new Map([...newest].map(([k, p]) => [k, p.frameKB!]));
}

/** Measured input frame sizes by app (KB): the newest `ok` profile of its entry module or whole DAG. */
export function measuredInputKB(apps: readonly Manifest[], profiles: readonly StoredProfile[]): Map<string, number> {
  const entry = new Map(apps.map((a) => [a.name, a.entry]));
  const newest = new Map<string, StoredProfile>();
  for (const p of profiles) {
    if (p.state !== 'ok' || p.variant !== undefined || typeof p.detail?.inputBytes !== 'number') continue;
    if (p.module !== WHOLE_APP && p.module !== entry.get(p.app)) continue;
    const had = newest.get(p.app);
    if (!had || p.measuredAt > had.measuredAt) newest.set(p.app, p);
  }
  return new Map(
    [...newest].map(([app, p]) => [app, Math.round(((p.detail!.inputBytes as number) / 1024) * 100) / 100]),
  );
}

/**
 * The manifests with each module's `frameKB` replaced by the measured size
 * where there is one, and the app's `inputKB` (the client's frame) where the
 * profiler measured it.
 */
export function withMeasuredFrameSizes(apps: readonly Manifest[], profiles: readonly StoredProfile[]): AppSpec[] {
  const sizes = measuredFrameKB(profiles);
  const inputs = measuredInputKB(apps, profiles);
  return apps.map((a) => {
    const inputKB = inputs.get(a.name);
    return {
      ...a,
      ...(inputKB !== undefined ? { inputKB } : {}),
      modules: a.modules.map((m) => {
        const kb = sizes.get(`${a.name}/${m.name}`);
        return kb === undefined ? m : { ...m, frameKB: kb };
      }),
    };
  });
}
