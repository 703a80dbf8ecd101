import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ident, join, raw, sql, value } from './sql.ts';

test('values are bound, fragments inlined and numbered in order', () => {
  const where = sql`${ident('name')} = ${'x'}`;
  const q = sql`SELECT * FROM ${ident('things')} WHERE ${where} AND id > ${5}`.toQuery();
  assert.equal(q.text, 'SELECT * FROM "things" WHERE "name" = $1 AND id > $2');
  assert.deepEqual(q.values, ['x', 5]);
});

test('a hostile string is a value, never text', () => {
  const evil = "'; DROP TABLE tenants; --";
  const q = sql`SELECT ${evil}`.toQuery();
  assert.equal(q.text, 'SELECT $1');
  assert.deepEqual(q.values, [evil]);
});

test('ident rejects anything that is not a model name', () => {
  assert.throws(() => ident('Things'));
  assert.throws(() => ident('a"b'));
  assert.throws(() => ident('x; drop'));
  assert.equal(ident('sta', 'things').toQuery().text, '"sta"."things"');
});

test('join, value, raw and offsets', () => {
  const q = join([value(1), value(2), raw`DEFAULT`]).toQuery(3);
  assert.equal(q.text, '$4, $5, DEFAULT');
  assert.deepEqual(q.values, [1, 2]);
});
