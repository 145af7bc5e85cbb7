/**
 * Test helper: makes sure Rim's images exist before a Docker test uses them.
 * Runs images/build.sh (offline, skips what is up to date by its
 * rim.source-hash label) at most once per name per test process.
 *
 * The tests build and run their own tags (`rim/<name>:rim-test`, or
 * RIM_TEST_IMAGE_TAG), never the operator's `rim/appliance` or
 * `rim/sample-*:latest`: `npm test` must not move a tag someone runs.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export type ImageName = 'base' | 'synthetic' | 'noop' | 'dnn' | 'appliance';

/** The tag the tests' images carry (images/build.sh's RIM_IMAGE_TAG). */
export const TEST_IMAGE_TAG = process.env.RIM_TEST_IMAGE_TAG || 'rim-test';

/** Image tags by build name, as images/build.sh tags them under TEST_IMAGE_TAG. */
export const IMAGE_TAGS: Record<ImageName, string> = {
  base: 'rim/node-base:20',
  synthetic: `rim/sample-synthetic:${TEST_IMAGE_TAG}`,
  noop: `rim/sample-noop:${TEST_IMAGE_TAG}`,
  dnn: `rim/sample-dnn:${TEST_IMAGE_TAG}`,
  appliance: `rim/appliance:${TEST_IMAGE_TAG}`,
};

/**
 * The image of the replica sandbox for an appliance or engine that runs outside a container (the tests'
 * own process): the offline base, which has `sleep`. In a container the appliance runs its own image.
 */
export const SANDBOX_IMAGE = IMAGE_TAGS.base;

const pending = new Map<ImageName, Promise<void>>();

/** Builds (or confirms) the named images; default: the synthetic and no-op samples. */
export async function ensureImages(names: ImageName[] = ['synthetic', 'noop']): Promise<Record<ImageName, string>> {
  const missing = names.filter((n) => !pending.has(n));
  if (missing.length) {
    const build = run('bash', ['images/build.sh', ...missing], {
      cwd: repoRoot,
      timeout: 600_000,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, RIM_IMAGE_TAG: TEST_IMAGE_TAG },
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
