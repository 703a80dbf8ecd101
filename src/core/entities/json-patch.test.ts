import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDomainError } from '../errors/domain-error.ts';
import { applyPatch, parsePatch, parsePointer, touchedMembers } from './json-patch.ts';

const doc = { name: 'a', properties: { 'x/y': 1, 'm~n': 2, list: [1, 2, 3] } };

function status(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    if (isDomainError(err)) return err.status;
    throw err;
  }
  return undefined;
}

test('RFC 6901 pointers unescape ~1 and ~0', () => {
  assert.deepEqual(parsePointer('/properties/x~1y', 'p'), ['properties', 'x/y']);
  assert.deepEqual(parsePointer('/properties/m~0n', 'p'), ['properties', 'm~n']);
  assert.deepEqual(parsePointer('', 'p'), []);
  assert.equal(
    status(() => parsePointer('name', 'p')),
    400,
  );
});

test('the RFC 6902 operations', () => {
  const ops = parsePatch([
    { op: 'add', path: '/properties/list/1', value: 9 },
    { op: 'add', path: '/properties/list/-', value: 4 },
    { op: 'remove', path: '/properties/x~1y' },
    { op: 'replace', path: '/name', value: 'b' },
    { op: 'move', from: '/properties/m~0n', path: '/properties/moved' },
    { op: 'copy', from: '/properties/list/0', path: '/properties/first' },
    { op: 'test', path: '/properties/moved', value: 2 },
  ]);
  assert.deepEqual(applyPatch(doc, ops), {
    name: 'b',
    properties: { list: [1, 9, 2, 3, 4], moved: 2, first: 1 },
  });
  assert.deepEqual(doc.properties.list, [1, 2, 3], 'the input is not modified');
});

test('errors: malformed documents and missing targets are 400, a failed test is 409', () => {
  assert.equal(
    status(() => parsePatch({ op: 'add' })),
    400,
  );
  assert.equal(
    status(() => parsePatch([{ op: 'add', path: '/a' }])),
    400,
  );
  assert.equal(
    status(() => parsePatch([{ op: 'move', path: '/a' }])),
    400,
  );
  const apply = (op: unknown) => () => applyPatch(doc, parsePatch([op]));
  assert.equal(status(apply({ op: 'replace', path: '/missing', value: 1 })), 400);
  assert.equal(status(apply({ op: 'remove', path: '/properties/list/3' })), 400);
  assert.equal(status(apply({ op: 'add', path: '/properties/list/9', value: 1 })), 400);
  assert.equal(status(apply({ op: 'move', from: '/properties', path: '/properties/inner' })), 400);
  assert.equal(status(apply({ op: 'test', path: '/name', value: 'z' })), 409);
  assert.equal(status(apply({ op: 'test', path: '/properties/list', value: [1, 2, 3] })), undefined);
});

test('touched members are the first tokens of modified paths', () => {
  const ops = parsePatch([
    { op: 'test', path: '/description', value: 'x' },
    { op: 'copy', from: '/name', path: '/properties/n' },
    { op: 'move', from: '/name', path: '/description' },
  ]);
  assert.deepEqual(touchedMembers(ops), ['properties', 'description', 'name']);
  assert.equal(
    status(() => touchedMembers(parsePatch([{ op: 'replace', path: '', value: {} }]))),
    400,
  );
});
