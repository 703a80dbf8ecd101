import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type OpenedTestStore,
  openTestStore,
  type StoreKind,
  storeKinds,
} from '../../test/support/test-store.ts';
import { prepared, sql } from '../core/query/sql.ts';
import type { Store } from './store.ts';

/**
 * The one contract both stores must meet (STYLE.md: one suite for interchangeable parts). Everything above
 * the store relies on these values being identical on PGlite and PostgreSQL.
 */
function storeContract(kind: StoreKind) {
  describe(`store contract: ${kind}`, () => {
    let opened: OpenedTestStore;
    let store: Store;

    before(async () => {
      opened = await openTestStore(kind, { migrated: false });
      store = opened.store;
      await store.runScript(`
        CREATE EXTENSION IF NOT EXISTS postgis;
        CREATE TABLE things (id int8 PRIMARY KEY, name text NOT NULL);
        CREATE TABLE bulk (
          id int8 PRIMARY KEY, label text, doc jsonb, flag boolean, at timestamptz, amount numeric
        );`);
    });
    after(() => opened?.close());

    test('reports its kind and a description without secrets', () => {
      assert.equal(store.kind, kind);
      assert.doesNotMatch(store.description, /:[^@/]*@/);
    });

    test('binds values, so a hostile string is data and never SQL', async () => {
      const hostile = `Robert'); DROP TABLE things; -- "x" \\ $1 ? \t\n ü 🚲`;
      const echo = await store.query<{ s: string }>(sql`SELECT ${hostile}::text AS s`);
      assert.deepEqual(echo.rows, [{ s: hostile }]);

      const ins = await store.query(sql`INSERT INTO things (id, name) VALUES (${1}, ${hostile})`);
      assert.equal(ins.rowCount, 1);
      const back = await store.query<{ name: string }>(sql`SELECT name FROM things WHERE name = ${hostile}`);
      assert.deepEqual(back.rows, [{ name: hostile }]);
      const tables = await store.query(sql`SELECT 1 FROM pg_tables WHERE tablename = ${'things'}`);
      assert.equal(tables.rows.length, 1, 'the table is still there');
    });

    test('accepts a rendered {text, values} and arrays as values', async () => {
      const res = await store.query<{ n: number; a: string[] }>({
        text: 'SELECT $1::int AS n, $2::text[] AS a',
        values: [7, ['a', 'b,c', 'd"e', '']],
      });
      assert.deepEqual(res.rows, [{ n: 7, a: ['a', 'b,c', 'd"e', ''] }]);
    });

    test('runs a named prepared statement many times with fresh values, also inside a transaction', async () => {
      const q = (n: number) =>
        prepared(sql`SELECT ${n}::int8 * 2 AS twice, ${[`${n}`, 'x']}::text[] AS pair`);
      assert.equal(q(1).name, q(2).name, 'one name per text');
      assert.notEqual(q(1).name, prepared(sql`SELECT ${1}::int8 AS other`).name);
      for (let n = 0; n < 8; n++) {
        const { rows } = await store.query<{ twice: number; pair: string[] }>(q(n));
        assert.deepEqual(rows, [{ twice: 2 * n, pair: [`${n}`, 'x'] }]);
      }
      const inTx = await store.transaction((tx) => tx.query<{ twice: number }>(q(21)));
      assert.deepEqual(inTx.rows[0]?.twice, 42);
    });

    test('normalises types: int8, numeric, timestamptz, json/jsonb, null, bool', async () => {
      const { rows } = await store.query(sql`SELECT
          9007199254740991::int8 AS big, count(*) AS cnt, 12.50::numeric AS num,
          '2024-05-01 14:00:00.5+02'::timestamptz AS ts, '2024-05-01 12:00:00+00'::timestamptz AS ts0,
          '{"a":[1,{"b":null}],"c":"ü"}'::jsonb AS doc, '[1,2]'::json AS arr,
          NULL::text AS nothing, true AS yes
        FROM (VALUES (1), (2)) v`);
      assert.deepEqual(rows[0], {
        big: 9007199254740991,
        cnt: 2,
        num: 12.5,
        ts: '2024-05-01T12:00:00.500Z',
        ts0: '2024-05-01T12:00:00.000Z',
        doc: { a: [1, { b: null }], c: 'ü' },
        arr: [1, 2],
        nothing: null,
        yes: true,
      });
    });

    test('a bound timestamptz string round-trips as UTC ISO 8601', async () => {
      const { rows } = await store.query<{ t: string }>(
        sql`SELECT ${'2024-01-31T23:30:00.123+01:00'}::timestamptz AS t`,
      );
      assert.equal(rows[0]!.t, '2024-01-31T22:30:00.123Z');
    });

    test('PostGIS works: GeoJSON in, GeoJSON and measures out', async () => {
      const point = { type: 'Point', coordinates: [8.4037, 49.0069] };
      const { rows } = await store.query<{ g: string; srid: number; inside: boolean }>(sql`
        WITH p AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(point)}), 4326) AS geom)
        SELECT ST_AsGeoJSON(geom) AS g, ST_SRID(geom) AS srid,
               ST_Intersects(geom, ST_MakeEnvelope(8, 49, 9, 50, 4326)) AS inside
        FROM p`);
      assert.deepEqual(JSON.parse(rows[0]!.g), point);
      assert.equal(rows[0]!.srid, 4326);
      assert.equal(rows[0]!.inside, true);
      const d = await store.query<{ m: number }>(
        sql`SELECT round(ST_Distance(ST_MakePoint(0, 0)::geography, ST_MakePoint(0, 1)::geography)) AS m`,
      );
      assert.ok(
        Math.abs(d.rows[0]!.m - 110574) < 10,
        `one degree of latitude is ~110.6 km, got ${d.rows[0]!.m}`,
      );
    });

    test('a transaction commits when its function resolves', async () => {
      const result = await store.transaction(async (tx) => {
        await tx.query(sql`INSERT INTO things (id, name) VALUES (${10}, ${'ten'})`);
        await tx.query(sql`INSERT INTO things (id, name) VALUES (${11}, ${'eleven'})`);
        return 'done';
      });
      assert.equal(result, 'done');
      const { rows } = await store.query(sql`SELECT id FROM things WHERE id IN (10, 11) ORDER BY id`);
      assert.deepEqual(rows, [{ id: 10 }, { id: 11 }]);
    });

    test('a transaction that throws rolls back everything and rethrows the error', async () => {
      const boom = new Error('boom');
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.query(sql`INSERT INTO things (id, name) VALUES (${20}, ${'twenty'})`);
          await tx.copy('things', ['id', 'name'], [[21, 'copied']]);
          await tx.runScript('INSERT INTO things (id, name) VALUES (22, $$scripted$$)');
          throw boom;
        }),
        (err) => err === boom,
      );
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.query(sql`INSERT INTO things (id, name) VALUES (${23}, ${'x'})`);
          await tx.query(sql`INSERT INTO things (id, name) VALUES (${23}, ${'duplicate'})`);
        }),
        /duplicate key/,
      );
      const { rows } = await store.query(sql`SELECT id FROM things WHERE id BETWEEN 20 AND 29`);
      assert.deepEqual(rows, []);
      // The store is still usable after a failed transaction.
      await store.transaction((tx) => tx.query(sql`INSERT INTO things (id, name) VALUES (${24}, ${'ok'})`));
      assert.equal((await store.query(sql`SELECT 1 FROM things WHERE id = 24`)).rows.length, 1);
    });

    test('copy() round-trips tabs, newlines, backslashes, nulls and JSON exactly', async () => {
      const tricky = [
        [1, 'tab\there', { a: 'x\ty', b: [1, null, true] }, true, '2024-05-01T12:00:00.000Z', 1.25],
        [2, 'line\nbreak\r\nand CR\r', { nested: { s: 'line\nbreak' } }, false, null, 0],
        [
          3,
          'back\\slash \\N \\t literal',
          { s: 'back\\slash "quoted"' },
          null,
          '1970-01-01T00:00:00.000Z',
          -3,
        ],
        [4, null, null, null, null, null],
        [5, '\\N', [], true, '2024-12-31T23:59:59.999Z', 123456789.125],
        [6, '', {}, false, null, null],
        [7, 'ünïcödé 🚲 \u0001 \u007f', { '': 'empty key', 'k\\': 'v' }, true, null, 1e-7],
      ] as const;
      const n = await store.copy('bulk', ['id', 'label', 'doc', 'flag', 'at', 'amount'], tricky);
      assert.equal(n, tricky.length);
      const { rows } = await store.query(sql`SELECT id, label, doc, flag, at, amount FROM bulk ORDER BY id`);
      assert.deepEqual(
        rows,
        tricky.map(([id, label, doc, flag, at, amount]) => ({ id, label, doc, flag, at, amount })),
      );
    });

    test('copy() of no rows does nothing; copy() refuses targets that are not plain names', async () => {
      assert.equal(await store.copy('bulk', ['id'], []), 0);
      await assert.rejects(store.copy('bulk; DROP TABLE bulk', ['id'], [[99]]), /Invalid COPY target/);
      await assert.rejects(store.copy('bulk', ['id", "label'], [[99]]), /Invalid COPY target/);
      assert.equal((await store.query(sql`SELECT 1 FROM bulk WHERE id = 99`)).rows.length, 0);
    });

    test('copy() accepts a generator of many rows', async () => {
      function* rows() {
        for (let i = 1000; i < 6000; i++) yield [i, `row ${i}\t${i % 7}`];
      }
      assert.equal(await store.copy('bulk', ['id', 'label'], rows()), 5000);
      const { rows: r } = await store.query<{ n: number; last: string }>(
        sql`SELECT count(*) AS n, max(label) FILTER (WHERE id = 5999) AS last FROM bulk WHERE id >= 1000`,
      );
      assert.deepEqual(r[0], { n: 5000, last: 'row 5999\t0' });
    });

    test('runScript() runs several statements; a failing script throws', async () => {
      await store.runScript(`
        CREATE TABLE scripted (v text);
        INSERT INTO scripted VALUES ('a; b'), ($$it's$$);
        -- a comment; with a semicolon
        INSERT INTO scripted VALUES ('c');`);
      const { rows } = await store.query(sql`SELECT v FROM scripted ORDER BY v`);
      assert.deepEqual(rows, [{ v: 'a; b' }, { v: 'c' }, { v: "it's" }]);
      await assert.rejects(store.runScript('SELECT * FROM no_such_table;'), /no_such_table/);
      await store.query(sql`SELECT 1`); // still usable
    });
  });
}

for (const kind of storeKinds()) storeContract(kind);
