/**
 * Test helper: makes sure Rim's images exist before a Docker test uses them.
 * Runs images/build.sh (offline, skips what is up to date by its
 * rim.source-hash label) at most once per name per test process.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export type ImageName = 'base' | 'synthetic' | 'noop' | 'dnn' | 'appliance';

/** Image tags by build name, as images/build.sh tags them. */
export const IMAGE_TAGS: Record<ImageName, string> = {
  base: 'rim/node-base:20',
  synthetic: 'rim/sample-synthetic:latest',
  noop: 'rim/sample-noop:latest',
  dnn: 'rim/sample-dnn:latest',
  appliance: 'rim/appliance:dev',
};

const pending = new Map<ImageName, Promise<void>>();

/** Builds (or confirms) the named images; default: the synthetic and no-op samples. */
export async function ensureImages(names: ImageName[] = ['synthetic', 'noop']): Promise<Record<ImageName, string>> {
  const missing = names.filter((n) => !pending.has(n));
  if (missing.length) {
    const build = run('bash', ['images/build.sh', ...missing], {
      cwd: repoRoot,
      timeout: 600_000,
      maxBuffer: 16 * 1024 * 1024,
    })
      .then(() => undefined)
      .catch((e: Error & { stderr?: string; stdout?: string }) => {
        throw new Error(
          `images/build.sh ${missing.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`,
        );
      });
    for (const n of missing) pending.set(n, build);
  }
  await Promise.all(names.map((n) => pending.get(n)));
  return IMAGE_TAGS;
}
