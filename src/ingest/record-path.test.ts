import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BadRequestError } from '../core/errors/bad-request.ts';
import { parseRecordPath, resolveRecordPath } from './record-path.ts';

test('record paths: dotted, $-rooted, indexes, quoted keys', () => {
  assert.deepEqual(parseRecordPath(undefined), []);
  assert.deepEqual(parseRecordPath('$'), []);
  assert.deepEqual(parseRecordPath('data.items'), ['data', 'items']);
  assert.deepEqual(parseRecordPath('$.features'), ['features']);
  assert.deepEqual(parseRecordPath('$.data[0].rows'), ['data', 0, 'rows']);
  assert.deepEqual(parseRecordPath('results["the items"]'), ['results', 'the items']);
  assert.deepEqual(resolveRecordPath({ data: [{ rows: [1] }] }, ['data', 0, 'rows']), [1]);
  assert.equal(resolveRecordPath({ data: 1 }, ['data', 'x']), undefined);
});

test('record paths: syntax errors name the field', () => {
  for (const bad of ['data..items', '$.a[x]', 'a.*', '$[?(@.a)]', 'a b']) {
    assert.throws(
      () => parseRecordPath(bad),
      (err) => err instanceof BadRequestError && err.extensions.field === 'recordsPath',
      bad,
    );
  }
});
