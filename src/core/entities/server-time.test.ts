import assert from 'node:assert/strict';
import { test } from 'node:test';
import { controlRegistry } from '../../model/control/index.ts';
import { validateCreate, validateUpdate } from './validate-body.ts';

const pool = controlRegistry.entity('DataPool');

test('serverTime properties: both set on create, updatedAt on update, client values ignored', () => {
  const created = validateCreate(controlRegistry, pool, { name: 'p', createdAt: '2000-01-01T00:00:00Z' });
  assert.match(String(created.values.createdAt), /^\d{4}-\d\d-\d\dT/);
  assert.notEqual(created.values.createdAt, '2000-01-01T00:00:00Z');
  assert.equal(created.values.updatedAt, created.values.createdAt);
  const updated = validateUpdate(controlRegistry, pool, 1, { description: 'd' }, 'merge');
  assert.deepEqual(Object.keys(updated.values).sort(), ['description', 'updatedAt']);
});
