import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type OpenedTestStore, openTestStore } from '../../../test/support/test-store.ts';
import { sql } from '../../core/query/sql.ts';
import { controlModel } from '../../model/control/index.ts';
import { staModel } from '../../model/sta/index.ts';
import { tableColumns } from './ddl-from-model.ts';

/**
 * The migrations are written once and never changed, while the model keeps growing (a later migration
 * adds columns with ALTER TABLE). This checks the end result: after all migrations, every table has every
 * column the model derives, with its type.
 */
let db: OpenedTestStore;
before(async () => {
  db = await openTestStore('pglite');
});
after(() => db.close());

const normalise = (type: string) =>
  type
    .replace(/^geometry\(.*\)$/, 'geometry')
    .replace('timestamp with time zone', 'timestamptz')
    .replace('USER-DEFINED', 'geometry');

for (const model of [staModel, controlModel]) {
  test(`the migrated database has every column of the ${model.name} model`, async () => {
    for (const entity of model.entities) {
      const { rows } = await db.store.query<{ column_name: string; data_type: string }>(sql`
        SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = ${entity.table}`);
      const actual = new Map(rows.map((r) => [r.column_name, normalise(r.data_type)]));
      assert.ok(actual.size > 0, `table ${entity.table} of ${entity.name} is missing`);
      for (const col of tableColumns(entity)) {
        assert.equal(actual.get(col.name), normalise(col.type), `${entity.table}.${col.name}`);
      }
    }
  });
}
