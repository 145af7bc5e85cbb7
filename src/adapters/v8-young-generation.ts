/**
 * V8's young generation for the router's idle scavenger (src/router/idle-scavenge.ts):
 * its fill from `v8.getHeapSpaceStatistics()` and a minor collection through
 * the `gc` function node exposes with `--expose-gc` (the appliance's node
 * flags, images/appliance/Dockerfile). Without that flag: undefined, and the
 * router leaves every collection to V8.
 */
import v8 from 'node:v8';
import type { YoungGeneration } from '../router/idle-scavenge.js';

type ExposedGc = (options?: { type?: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

export function v8YoungGeneration(): YoungGeneration | undefined {
  const gc = (globalThis as { gc?: ExposedGc }).gc;
  if (typeof gc !== 'function') return undefined;
  return {
    fill() {
      for (const s of v8.getHeapSpaceStatistics()) {
        if (s.space_name !== 'new_space') continue;
        const capacity = s.space_used_size + s.space_available_size;
        return capacity > 0 ? s.space_used_size / capacity : 0;
      }
      return 0;
    },
    collect: () => gc({ type: 'minor' }),
  };
}
