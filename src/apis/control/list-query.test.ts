import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BadRequestError } from '../../core/errors/bad-request.ts';
import { type ListSpec, parseSort, toEntityQuery } from './list-query.ts';

const spec: ListSpec = { sortable: ['name', 'createdAt'], searchable: ['name', 'description'] };

describe('control list parameters → EntityQuery', () => {
  test('page and size become skip and top, always counted', () => {
    assert.deepEqual(toEntityQuery({ page: 3, size: 20 }, spec), { top: 20, skip: 40, count: true });
  });

  test('sort keys, descending with a leading minus', () => {
    assert.deepEqual(parseSort('-createdAt,name', spec), [
      { expr: { kind: 'path', segments: ['createdAt'] }, direction: 'desc' },
      { expr: { kind: 'path', segments: ['name'] }, direction: 'asc' },
    ]);
  });

  test('an unknown sort key is a 400 naming `sort`', () => {
    assert.throws(
      () => parseSort('secret', spec),
      (e: unknown) => e instanceof BadRequestError && e.extensions.field === 'sort',
    );
  });

  test('name is an exact match; q a case-insensitive substring of any searchable member', () => {
    const q = toEntityQuery({ page: 1, size: 5, name: 'Mobility', q: 'TRAF' }, spec);
    assert.deepEqual(q.filter, {
      kind: 'binary',
      op: 'and',
      left: {
        kind: 'binary',
        op: 'eq',
        left: { kind: 'path', segments: ['name'] },
        right: { kind: 'literal', type: 'string', value: 'Mobility' },
      },
      right: {
        kind: 'binary',
        op: 'or',
        left: {
          kind: 'call',
          name: 'contains',
          args: [
            { kind: 'call', name: 'tolower', args: [{ kind: 'path', segments: ['name'] }] },
            { kind: 'literal', type: 'string', value: 'traf' },
          ],
        },
        right: {
          kind: 'call',
          name: 'contains',
          args: [
            { kind: 'call', name: 'tolower', args: [{ kind: 'path', segments: ['description'] }] },
            { kind: 'literal', type: 'string', value: 'traf' },
          ],
        },
      },
    });
  });

  test('the default sort applies when none is given', () => {
    const q = toEntityQuery({ page: 1, size: 5 }, { ...spec, defaultSort: '-createdAt' });
    assert.equal(q.orderby?.[0]?.direction, 'desc');
  });
});
