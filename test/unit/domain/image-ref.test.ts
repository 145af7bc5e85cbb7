import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imageRefProblem, isImageRef } from '../../../src/domain/image-ref.js';

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
