import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { modelDdl } from '../../store/schema/ddl-from-model.ts';
import { createRegistry } from '../registry.ts';
import { controlModel, controlRegistry } from './index.ts';

test('migration 0004 starts with exactly the DDL the control model derives', () => {
  const migration = readFileSync(
    new URL('../../store/migrations/0004-control-plane.sql', import.meta.url),
    'utf8',
  );
  const first = ['DataPool', 'DataStructure', 'DataStructureVersion'];
  const generated = `-- Generated from the control model by scripts/generate-model-migration.ts\n${modelDdl(controlModel, first)}\n`;
  assert.ok(migration.startsWith(generated), 'regenerate with scripts/generate-model-migration.ts control');
});

test('migration 0006 starts with exactly the DDL of the Mapping entity', () => {
  const migration = readFileSync(
    new URL('../../store/migrations/0006-mappings.sql', import.meta.url),
    'utf8',
  );
  const generated = `-- Generated from the control model by scripts/generate-model-migration.ts\n${modelDdl(controlModel, ['Mapping'])}\n`;
  assert.ok(
    migration.startsWith(generated),
    'regenerate with scripts/generate-model-migration.ts control Mapping',
  );
});

test('migration 0008 starts with exactly the DDL of the Pipeline entity', () => {
  const migration = readFileSync(
    new URL('../../store/migrations/0008-pipelines.sql', import.meta.url),
    'utf8',
  );
  const generated = `-- Generated from the control model by scripts/generate-model-migration.ts\n${modelDdl(controlModel, ['Pipeline'])}\n`;
  assert.ok(
    migration.startsWith(generated),
    'regenerate with scripts/generate-model-migration.ts control Pipeline',
  );
});

test('every control table has tenant_id, and names are unique per tenant', () => {
  const ddl = modelDdl(controlModel);
  for (const e of controlModel.entities) {
    assert.match(
      ddl,
      new RegExp(`CREATE TABLE ${e.table} \\(\\n  id bigint[^\\n]*\\n  tenant_id text NOT NULL`),
    );
  }
  assert.match(ddl, /CREATE UNIQUE INDEX ctl_data_pools_name_key ON ctl_data_pools \(tenant_id, name\);/);
  assert.match(ddl, /ON ctl_data_structure_versions \(tenant_id, data_structure_id, version\);/);
});

test('the registry resolves the version ↔ structure relation both ways', () => {
  const structure = controlRegistry.entity('DataStructure');
  const versions = controlRegistry.relation(structure, 'versions')!;
  assert.equal(controlRegistry.childForeignKey(versions), 'data_structure_id');
});

test('a unique key naming an unknown member is a model error', () => {
  const bad = { ...controlModel, entities: [{ ...controlModel.entities[0]!, unique: [['nope']] }] };
  assert.throws(() => createRegistry(bad), /unique key names nope/);
});
