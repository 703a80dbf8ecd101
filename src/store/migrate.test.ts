import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type OpenedTestStore,
  openTestStore,
  type StoreKind,
  storeKinds,
} from '../../test/support/test-store.ts';
import { sql } from '../core/query/sql.ts';
import { loadMigrations, type Migration, migrate, SchemaTooNewError } from './migrate.ts';
import type { Store } from './store.ts';

async function versions(store: Store): Promise<number[]> {
  const { rows } = await store.query<{ version: number }>(
    sql`SELECT version FROM urbs_schema_migrations ORDER BY version`,
  );
  return rows.map((r) => r.version);
}

async function tableExists(store: Store, name: string): Promise<boolean> {
  const { rows } = await store.query(
    sql`SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = ${name}`,
  );
  return rows.length > 0;
}

describe('loadMigrations', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'urbs-migrations-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('the shipped migrations are contiguous from 1', async () => {
    const all = await loadMigrations();
    assert.ok(all.length > 0);
    assert.deepEqual(
      all.map((m) => m.version),
      all.map((_, i) => i + 1),
    );
    assert.equal(all[0]!.name, 'foundation');
  });

  test('reads NNNN-name.sql in order, ignores other files, refuses gaps', async () => {
    await writeFile(join(dir, '0002-second.sql'), 'SELECT 2;');
    await writeFile(join(dir, '0001-first.sql'), 'SELECT 1;');
    await writeFile(join(dir, 'README.md'), 'not a migration');
    const loaded = await loadMigrations(dir);
    assert.deepEqual(
      loaded.map((m) => [m.version, m.name, m.text]),
      [
        [1, 'first', 'SELECT 1;'],
        [2, 'second', 'SELECT 2;'],
      ],
    );
    await writeFile(join(dir, '0004-gap.sql'), 'SELECT 4;');
    await assert.rejects(loadMigrations(dir), /0004-gap\.sql is out of sequence \(expected version 3\)/);
  });
});

function migrateContract(kind: StoreKind) {
  // One unmigrated database per kind; the tests build on each other in order.
  describe(`migrate: ${kind}`, () => {
    let opened: OpenedTestStore;
    let store: Store;
    let shipped: Migration[];
    let dir: string;

    before(async () => {
      opened = await openTestStore(kind, { migrated: false });
      store = opened.store;
      shipped = await loadMigrations();
      dir = await mkdtemp(join(tmpdir(), 'urbs-migrations-'));
    });
    after(async () => {
      await opened?.close();
      await rm(dir, { recursive: true, force: true });
    });

    test('a fresh database gets every migration, recorded with its version', async () => {
      const r = await migrate(store);
      assert.equal(r.from, 0);
      assert.equal(r.to, shipped.length);
      assert.deepEqual(
        r.applied,
        shipped.map((m) => `${String(m.version).padStart(4, '0')}-${m.name}`),
      );
      assert.deepEqual(
        await versions(store),
        shipped.map((m) => m.version),
      );
      for (const t of ['tenants', 'users', 'signing_keys']) assert.ok(await tableExists(store, t), t);
      const { rows } = await store.query<{ v: string }>(sql`SELECT postgis_lib_version() AS v`);
      assert.match(rows[0]!.v, /^3\./);
    });

    test('is idempotent: a second run applies nothing', async () => {
      const r = await migrate(store);
      assert.deepEqual(r, { from: shipped.length, to: shipped.length, applied: [] });
      assert.deepEqual(
        await versions(store),
        shipped.map((m) => m.version),
      );
    });

    test('a failing migration rolls back completely and records nothing', async () => {
      const latest = shipped.length;
      await writeFile(
        join(dir, '0001-ok.sql'),
        'CREATE TABLE mig_ok (id int PRIMARY KEY); INSERT INTO mig_ok VALUES (1);',
      );
      await writeFile(
        join(dir, '0002-broken.sql'),
        `CREATE TABLE mig_half (id int);
         INSERT INTO mig_half VALUES (1);
         ALTER TABLE tenants ADD COLUMN mig_extra text;
         INSERT INTO mig_ok VALUES (2);
         SELECT 1 / 0;`,
      );
      const fromFiles = await loadMigrations(dir);
      // Renumbered after the shipped ones so that the broken one is the next to apply.
      const extra: Migration[] = fromFiles.map((m) => ({ ...m, version: latest + m.version }));
      await assert.rejects(migrate(store, [...shipped, ...extra]), /division by zero/);

      // The good one before it stays applied; nothing of the broken one is left.
      assert.deepEqual(await versions(store), [...shipped.map((m) => m.version), latest + 1]);
      assert.ok(await tableExists(store, 'mig_ok'));
      assert.equal(await tableExists(store, 'mig_half'), false);
      const ok = await store.query(sql`SELECT id FROM mig_ok ORDER BY id`);
      assert.deepEqual(ok.rows, [{ id: 1 }]);
      const col = await store.query(
        sql`SELECT 1 FROM information_schema.columns WHERE table_name = 'tenants' AND column_name = 'mig_extra'`,
      );
      assert.equal(col.rows.length, 0);

      // Fixing the file lets the next run continue from there.
      const fixed = extra.map((m) =>
        m.name === 'broken' ? { ...m, text: 'CREATE TABLE mig_half (id int);' } : m,
      );
      const r = await migrate(store, [...shipped, ...fixed]);
      assert.deepEqual(r.applied, [`${String(latest + 2).padStart(4, '0')}-broken`]);
      assert.ok(await tableExists(store, 'mig_half'));
    });

    test('refuses a database whose schema is newer than the code', async () => {
      await store.query(
        sql`INSERT INTO urbs_schema_migrations (version, name) VALUES (${9999}, ${'future'})`,
      );
      const before = await versions(store);
      await assert.rejects(migrate(store), (err) => {
        assert.ok(err instanceof SchemaTooNewError);
        assert.equal(
          err.message,
          `database schema is at version 9999 but this urbs only knows migrations up to ${shipped.length}; ` +
            'upgrade urbs (migrations are forward-only)',
        );
        return true;
      });
      assert.deepEqual(await versions(store), before, 'nothing was applied');
    });
  });
}

for (const kind of storeKinds()) migrateContract(kind);
