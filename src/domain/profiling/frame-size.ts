/**
 * A module's frame size (its output per frame) as placement sees it: the
 * size the profiler measured when there is one (the newest `ok` profile of
 * the module's own form, on any model: the output does not depend on the
 * accelerator), else the manifest's declared `frameKB`.
 */
import type { Manifest, StoredProfile } from '../types.js';
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

/** The manifests with each module's `frameKB` replaced by the measured size where there is one (inputs unchanged). */
export function withMeasuredFrameSizes(apps: readonly Manifest[], profiles: readonly StoredProfile[]): Manifest[] {
  const sizes = measuredFrameKB(profiles);
  if (sizes.size === 0) return [...apps];
  return apps.map((a) => ({
    ...a,
    modules: a.modules.map((m) => {
      const kb = sizes.get(`${a.name}/${m.name}`);
      return kb === undefined ? m : { ...m, frameKB: kb };
    }),
  }));
}
