/**
 * The edges of the replica spec: the canonical JSON behind the spec hash
 * (an unset field hashes like an absent one, array items stay apart), Docker
 * names (runs of separators, leading junk, exactly 128 characters, nothing
 * left), which digests pin the image, NVIDIA device ids, and which image users
 * count as root. Each is a rule a mutation of replica-spec.ts or
 * replica-fence.ts left unguarded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotFoundError } from '../../../src/domain/errors.js';
import { isRootUser } from '../../../src/domain/replica-fence.js';
import {
  bindingFor,
  buildReplicaSpec,
  canonicalJson,
  imageFor,
  sanitiseName,
} from '../../../src/domain/replica-spec.js';
import type { Accelerator } from '../../../src/domain/types.js';
import { box, synthetic } from './supervisor/fixtures.js';

const cpu = { kind: 'cpu' } as const;
const hex = 'ab'.repeat(32);

test('canonical JSON: an unset field is absent, array items stay apart, keys sorted at every level', () => {
  assert.equal(canonicalJson({ a: 1, b: undefined }), '{"a":1}');
  assert.equal(canonicalJson([1, [2, 3], 'x']), '[1,[2,3],"x"]');
  assert.notEqual(canonicalJson([1, 23]), canonicalJson([12, 3]));
  assert.equal(
    canonicalJson({ c: 1, a: { z: 1, y: [{ q: 1, p: 2 }] }, b: null }),
    '{"a":{"y":[{"p":2,"q":1}],"z":1},"b":null,"c":1}',
  );
});

test('Docker names: separator runs are one dash, leading junk and trailing dashes go, 128 characters are kept', () => {
  assert.equal(sanitiseName('a- -b'), 'a-b');
  assert.equal(sanitiseName('a--b'), 'a-b');
  assert.equal(sanitiseName('..-_x.y_z-'), 'x.y_z');
  assert.equal(sanitiseName('///'), 'rim', 'nothing left: a name all the same');
  assert.equal(sanitiseName('x'.repeat(128)), 'x'.repeat(128));
  assert.equal(sanitiseName('x'.repeat(129)).length, 128);
  assert.notEqual(sanitiseName('x'.repeat(129)), 'x'.repeat(128), 'cut with a hash suffix');
});

test("only a real image id or repo@sha256 digest pins a replica's image; else the registered reference runs", () => {
  const app = (digest: string) => ({ ...synthetic, digest });
  const image = synthetic.image;
  assert.equal(imageFor(app(`sha256:${hex}`), undefined), `sha256:${hex}`);
  assert.equal(imageFor(app(`rim/sample@sha256:${hex}`), 'self'), `rim/sample@sha256:${hex}`);
  for (const junk of [
    'unknown',
    `sha256:${hex.slice(1)}`,
    `sha256:${hex}0`,
    `x sha256:${hex}`,
    `a b@sha256:${hex}`,
    `@sha256:${hex}`,
    `rim/sample@sha256:${'zz'.repeat(32)}`,
    `rim/sample@sha256:${hex}x`,
  ]) {
    assert.equal(imageFor(app(junk), undefined), image, junk);
  }
  assert.equal(imageFor(app(`sha256:${hex}`), 'rim/tracker:1'), 'rim/tracker:1', 'an image of its own, as written');
});

test('an app registered by its image id has no separate reference to show', () => {
  const byId = { ...synthetic, image: `sha256:${hex}`, digest: `sha256:${hex}` };
  const s = buildReplicaSpec({ node: 'n', app: byId, module: 'decode', accelerator: cpu, port: 1 });
  assert.equal(s.image, `sha256:${hex}`);
  assert.equal(s.imageRef, undefined);
});

test('a variant asked of a module that has none is refused by name, not a crash', () => {
  assert.throws(
    () => buildReplicaSpec({ node: 'n', app: synthetic, module: 'decode', variant: 'tiny', accelerator: cpu, port: 1 }),
    (e: unknown) => e instanceof NotFoundError && /module synthetic\/decode has no variant "tiny"/.test(e.message),
  );
});

test('NVIDIA device ids: the index of a gpuN id, any other id as it is; an unknown id is refused by name', () => {
  const gpu = (id: string): Accelerator => ({ id, model: 'T4', memoryMB: 16000 });
  const device = (id: string) => {
    const b = bindingFor(id, [gpu(id)]);
    return b.kind === 'gpu' ? b.deviceId : undefined;
  };
  assert.equal(device('gpu12'), '12');
  assert.equal(device('GPU-8c1b2f3a'), 'GPU-8c1b2f3a');
  assert.equal(device('xgpu1'), 'xgpu1');
  assert.equal(device('gpu1x'), 'gpu1x');
  assert.throws(
    () => bindingFor('gpu7', box.accelerators),
    (e: unknown) => e instanceof NotFoundError && e.message === "accelerator gpu7 is not in this node's inventory",
  );
});

test('an image user is root when it is unset, empty, uid 0 or root, whatever its group', () => {
  for (const u of [undefined, '', ':1000', '0', '0:0', 'root', 'root:users']) assert.equal(isRootUser(u), true, `${u}`);
  for (const u of ['1000', '1000:0', 'app', 'rooty']) assert.equal(isRootUser(u), false, u);
});
