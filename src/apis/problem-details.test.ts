import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotFoundError } from '../core/errors/not-found.ts';
import { toProblem } from './problem-details.ts';

test('a domain error keeps its status, code, message and extensions', () => {
  const p = toProblem(new NotFoundError('Datastream 42 does not exist', { id: 42 }));
  assert.deepEqual(p, {
    type: 'urn:urbs:problem:not-found',
    title: 'Not Found',
    status: 404,
    detail: 'Datastream 42 does not exist',
    id: 42,
  });
});

test('an unexpected error is a 500 that says nothing about its cause', () => {
  const err = new Error('relation "users" does not exist at /work/main/src/x.ts:12 password=hunter2');
  const p = toProblem(err);
  assert.equal(p.status, 500);
  assert.equal(p.type, 'urn:urbs:problem:internal');
  assert.equal(p.detail, 'An internal error occurred; the log has details under the request id');
  assert.doesNotMatch(JSON.stringify(p), /users|hunter2|\.ts|stack/);
  // A 5xx statusCode set by a library does not let its message through either.
  assert.doesNotMatch(
    JSON.stringify(toProblem(Object.assign(new Error('pool secret'), { statusCode: 502 }))),
    /secret/,
  );
});
