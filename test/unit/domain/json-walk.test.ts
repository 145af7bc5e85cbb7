/**
 * The iterative JSON walk under every untrusted document: it visits each
 * value below the root once, depth-first in document order, with the path
 * people read (`modules[0].env`); a visitor may stop caring about a subtree,
 * whose depth is still checked; an object or array at the depth limit is a
 * ValidationError naming where (a primitive there is fine).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '../../../src/domain/errors.js';
import { type JsonVisit, MAX_JSON_DEPTH, walkJson } from '../../../src/domain/json-walk.js';

const visits = (root: unknown, visit?: (v: JsonVisit) => boolean | void) => {
  const out: string[] = [];
  walkJson(root, { what: 'doc' }, (v) => {
    out.push(`${v.path}@${v.depth}${v.key === undefined ? '' : `:${v.key}`}`);
    return visit?.(v);
  });
  return out;
};

test('every value below the root, once, depth-first in document order, with readable paths', () => {
  assert.deepEqual(visits({ a: 1, m: [{ env: { X: 'y' } }, 2], z: null }), [
    'a@1:a',
    'm@1:m',
    'm[0]@2',
    'm[0].env@3:env',
    'm[0].env.X@4:X',
    'm[1]@2',
    'z@1:z',
  ]);
  assert.deepEqual(visits([[1], { k: true }]), ['[0]@1', '[0][0]@2', '[1]@1', '[1].k@2:k']);
  assert.deepEqual(visits('text'), [], 'a primitive root has nothing below it');
});

test('a visitor that returns false skips a subtree, whose depth is still checked', () => {
  const deep = { skip: { a: { b: 1 } }, keep: { c: 2 } };
  assert.deepEqual(
    visits(deep, (v) => v.key !== 'skip'),
    ['skip@1:skip', 'keep@1:keep', 'keep.c@2:c'],
  );
  let tooDeep: unknown = 1;
  for (let i = 0; i < 40; i++) tooDeep = [tooDeep];
  assert.throws(() => walkJson({ skip: tooDeep }, { what: 'doc' }, (v) => v.key !== 'skip'), ValidationError);
});

test(`the depth limit (${MAX_JSON_DEPTH} by default): an object or array at the limit is refused, naming where`, () => {
  assert.equal(MAX_JSON_DEPTH, 32);
  const nest = (n: number, leaf: unknown): unknown => (n === 0 ? leaf : { n: nest(n - 1, leaf) });
  assert.doesNotThrow(() => walkJson(nest(3, 1), { what: 'doc', maxDepth: 3 }), 'a primitive at the limit');
  assert.doesNotThrow(() => walkJson(nest(2, {}), { what: 'doc', maxDepth: 3 }));
  assert.throws(
    () => walkJson(nest(3, {}), { what: 'doc', maxDepth: 3 }),
    (e: unknown) =>
      e instanceof ValidationError &&
      e.message === 'doc field n.n.n: nested deeper than 3 levels' &&
      e.field === 'n.n.n',
  );
  assert.throws(
    () => walkJson([[]], { what: 'state file', maxDepth: 0 }),
    (e: unknown) =>
      e instanceof ValidationError && e.message === 'state file field state file: nested deeper than 0 levels',
  );
  assert.doesNotThrow(() => walkJson(nest(31, {}), { what: 'doc' }));
  assert.throws(() => walkJson(nest(32, {}), { what: 'doc' }), /nested deeper than 32 levels/);
});
