import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  IMAGE_REF_RULE,
  imageRefProblem,
  isImageRef,
  MAX_IMAGE_NAME,
  MAX_IMAGE_REF,
} from '../../../src/domain/image-ref.js';

test('accepts what Docker accepts: domain[:port]/path[:tag][@digest], image ids, short names', () => {
  const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;
  for (const ref of [
    'ubuntu',
    'ubuntu:22.04',
    'library/ubuntu',
    'rim/sample-synthetic:latest',
    'a__b',
    'a.b_c--d',
    'localhost:5000/team/app:v1.2_X',
    'Registry.Example.com/a/b',
    '[::1]:5000/x:1',
    `app@${digest}`,
    `r.io/app:1@${digest}`,
    '0123456789abcdef'.repeat(4),
    `x:${'t'.repeat(128)}`,
  ]) {
    assert.equal(imageRefProblem(ref), undefined, ref);
  }
});

test('refuses spaces, upper-case paths, non-ASCII, empty parts, bad tags and digests, and overlong names', () => {
  for (const ref of [
    'bad image ref',
    'Ubuntu',
    'team/Ubuntu',
    'ubuntu:',
    'ubuntu:-x',
    `x:${'t'.repeat(129)}`,
    'a//b',
    '/a',
    'a/',
    'a___b',
    'a_.b',
    'x@sha256:abc',
    'x@',
    'ímage',
    'rim/ü:1',
    '画像',
    '',
    'ubuntu\n',
    `${'a'.repeat(256)}:1`,
    'x'.repeat(513),
  ]) {
    assert.equal(isImageRef(ref), false, JSON.stringify(ref));
  }
  assert.match(imageRefProblem(`${'a'.repeat(256)}:1`)!, /at most 255/);
});

test('the bounds are inclusive: a 255-character name and a 512-character reference are taken', () => {
  const digest = (hex: number) => `@sha256:${'f'.repeat(hex)}`;
  const name255 = `${'a'.repeat(127)}/${'b'.repeat(127)}`;
  assert.equal(name255.length, MAX_IMAGE_NAME);
  assert.equal(imageRefProblem(name255), undefined);
  assert.ok(isImageRef(`${name255}:1`));
  assert.match(imageRefProblem(`${name255}b`)!, /^expected an image name of at most 255 characters$/);
  // A long digest keeps the name short: only the whole reference's bound refuses it, before the regex runs.
  const ref512 = `app${digest(MAX_IMAGE_REF - 'app@sha256:'.length)}`;
  assert.equal(ref512.length, MAX_IMAGE_REF);
  assert.ok(isImageRef(ref512));
  assert.equal(imageRefProblem(`${ref512}f`), IMAGE_REF_RULE);
});

test('a refusal says what a reference looks like', () => {
  for (const ref of ['Team/App', '', 'a b']) {
    const why = imageRefProblem(ref);
    assert.equal(why, IMAGE_REF_RULE);
    assert.match(
      why!,
      /^expected an image reference such as "registry:5000\/team\/app:1\.0" \(lower-case ASCII path, /,
    );
    assert.match(why!, /optional :tag of \[A-Za-z0-9_.-\], optional @sha256:digest\)$/);
  }
});
