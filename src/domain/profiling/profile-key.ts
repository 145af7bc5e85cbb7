/**
 * What a profile is of: an app's module (or "*", the whole DAG) in one
 * variant on one accelerator model, built from one image digest. Profiles
 * are keyed by digest + variant + accelerator model (docs/design.md, "Profiling").
 */
import { DEFAULT_VARIANT } from '../manifest.js';
import type { Profile, StoredProfile } from '../types.js';

/** The module name of a whole-DAG profile. */
export const WHOLE_APP = '*';
/** The accelerator model of CPU work. */
export const CPU_MODEL = 'cpu';

export interface ProfileTarget {
  app: string;
  /** A module name, or `*` for the whole DAG on one node. */
  module: string;
  /** Undefined for a module's own form and for `*`. */
  variant?: string;
  /** An accelerator model name, or `cpu`. */
  accelerator: string;
  /** The image digest the profile is measured on. */
  digest: string;
}

/** Identity without the digest: one current profile per identity. */
export function profileIdentity(p: Pick<ProfileTarget, 'app' | 'module' | 'variant' | 'accelerator'>): string {
  return `${p.app}/${p.module}/${p.variant ?? DEFAULT_VARIANT}@${p.accelerator}`;
}

/** The full key: digest + identity. */
export function profileKey(p: ProfileTarget): string {
  return `${p.digest}|${profileIdentity(p)}`;
}

/** The variant as stored: absent for the default form. */
export function storedVariant(variant: string | undefined): string | undefined {
  return variant && variant !== DEFAULT_VARIANT ? variant : undefined;
}

/** What placement reads: the profiles that measured fine, in the profiles.json shape. */
export function placementProfiles(stored: readonly StoredProfile[]): Profile[] {
  return stored
    .filter((p) => p.state === 'ok')
    .map((p) => ({
      app: p.app,
      module: p.module,
      ...(p.variant !== undefined ? { variant: p.variant } : {}),
      accelerator: p.accelerator,
      maxFps: p.maxFps,
      latencyMs: p.latencyMs,
      cpuCores: p.cpuCores,
      memoryMB: p.memoryMB,
      ...(p.gpuMemoryMB !== undefined ? { gpuMemoryMB: p.gpuMemoryMB } : {}),
    }));
}

/** Replaces the profile with the same identity (whatever its digest), or adds it. */
export function upsertProfile(profiles: readonly StoredProfile[], p: StoredProfile): StoredProfile[] {
  const id = profileIdentity(p);
  const out = profiles.filter((q) => profileIdentity(q) !== id);
  out.push(p);
  return out;
}
