import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WriteContext } from '../entities/context.ts';
import { createStructureUsage } from './structure-usage.ts';

test('usersOf asks every registered check; unregistering removes one', async () => {
  const usage = createStructureUsage();
  const w = {} as WriteContext;
  const stop = usage.register(async (_w, ref) => (ref.version === '1.0.0' ? ['Dataset 7'] : []));
  usage.register(async (_w, ref) => (ref.structureId === 1 ? ['Pipeline 2'] : []));
  assert.deepEqual(await usage.usersOf(w, { structureId: 1, version: '1.0.0' }), ['Dataset 7', 'Pipeline 2']);
  assert.deepEqual(await usage.usersOf(w, { structureId: 2, version: '2.0.0' }), []);
  stop();
  assert.deepEqual(await usage.usersOf(w, { structureId: 1, version: '1.0.0' }), ['Pipeline 2']);
});
