import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { modelDdl } from '../../store/schema/ddl-from-model.ts';
import { controlModel, controlRegistry } from './index.ts';

test('migration 0005 starts with exactly the DDL of the DataSource entity', () => {
  const migration = readFileSync(
    new URL('../../store/migrations/0005-data-sources.sql', import.meta.url),
    'utf8',
  );
  const generated = `-- Generated from the control model by scripts/generate-model-migration.ts\n${modelDdl(controlModel, ['DataSource'])}\n`;
  assert.ok(
    migration.startsWith(generated),
    'regenerate with scripts/generate-model-migration.ts control DataSource',
  );
});

test('a data source links to an optional pool and the structure version it delivers', () => {
  const source = controlRegistry.entity('DataSource');
  const pool = controlRegistry.entity('DataPool');
  assert.equal(
    controlRegistry.childForeignKey(controlRegistry.relation(pool, 'dataSources')!),
    'data_pool_id',
  );
  assert.equal(controlRegistry.relation(source, 'dataPool')?.required, undefined);
  assert.equal(controlRegistry.relation(source, 'dataStructureVersion')?.required, undefined);
});
