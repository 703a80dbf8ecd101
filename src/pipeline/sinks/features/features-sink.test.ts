/**
 * The features sink on both stores: provisioning (idempotent, new columns for a newer structure version,
 * conflicting types refused and rolled back), check() and write() (upsert, append, 1,000 records), drop.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type DataSetRow,
  insertDataSet,
  type JsonObject,
  jenaRecords,
  manyRecords,
  offStreetParkingSchema,
  offStreetParkingV1,
  sinkTarget,
} from '../../../../test/support/features-fixtures.ts';
import { openTestStore, storeKinds } from '../../../../test/support/test-store.ts';
import type { WriteContext } from '../../../core/entities/context.ts';
import { isDomainError } from '../../../core/errors/domain-error.ts';
import { sql } from '../../../core/query/sql.ts';
import { staRegistry } from '../../../model/sta/index.ts';
import type { Queryable, Store } from '../../../store/store.ts';
import { jenaParkingFeatures } from '../../fixtures/load-fixtures.ts';
import type { SinkRecord } from '../sink-kind.ts';
import { featuresSink, featureTable as featuresTable } from './index.ts';

function writeContext(tx: Queryable): WriteContext {
  return { tenant: 'default', principal: null, tx, registry: staRegistry, events: [] };
}

function records(values: JsonObject[]): SinkRecord[] {
  return values.map((value, index) => ({ index, value }));
}

async function columnsOf(store: Store, table: string): Promise<Record<string, string>> {
  const { rows } = await store.query<{ column_name: string; data_type: string; udt_name: string }>(sql`
    SELECT column_name, data_type, udt_name FROM information_schema.columns
    WHERE table_schema = 'urbs_features' AND table_name = ${table}`);
  return Object.fromEntries(
    rows.map((r) => [r.column_name, r.data_type === 'USER-DEFINED' ? r.udt_name : r.data_type]),
  );
}

async function count(store: Store, table: string): Promise<number> {
  const { rows } = await store.query<{ n: number }>(
    sql`SELECT count(*)::int AS n FROM ${featuresTable(table)}`,
  );
  return rows[0]!.n;
}

for (const kind of storeKinds()) {
  describe(`features sink (${kind})`, () => {
    let store: Store;
    let close: () => Promise<void>;
    let n = 0;
    const newDataSet = (sinks?: JsonObject[]): Promise<DataSetRow> =>
      insertDataSet(store, { identifier: `parking-jena-${++n}`, status: 'DRAFT', sinks });

    before(async () => {
      ({ store, close } = await openTestStore(kind));
    });
    after(async () => {
      await close?.();
    });

    test('provision creates the typed table; a second provision keeps table and data', async () => {
      const ds = await newDataSet();
      const target = sinkTarget(ds, offStreetParkingSchema);
      const config = featuresSink.validateConfig({}, offStreetParkingSchema, 'sinks[0]');
      assert.deepEqual(config, { idField: 'id', geometryField: 'location', timeField: null, mode: 'upsert' });
      await store.transaction((tx) => featuresSink.provision(tx, target, config));
      const table = `ds_${ds.id}_0`;
      const columns = await columnsOf(store, table);
      assert.equal(columns.fid, 'text');
      assert.equal(columns.geom, 'geometry');
      assert.equal(columns.record, 'jsonb');
      assert.equal(columns.updated_at, 'timestamp with time zone');
      assert.equal(columns.name, 'text');
      assert.equal(columns.available_spot_number, 'bigint');
      assert.equal(columns.occupancy, 'double precision');
      assert.equal(columns.date_modified, 'timestamp with time zone');
      assert.equal(columns.category, 'jsonb');
      assert.equal(columns.location, undefined, 'the geometry field is the geom column');
      const index = await store.query(sql`SELECT indexdef FROM pg_indexes
        WHERE schemaname = 'urbs_features' AND tablename = ${table} AND indexdef ILIKE '%gist%'`);
      assert.equal(index.rows.length, 1);

      const sink = featuresSink.prepare(target, config);
      await store.transaction((tx) => sink.write(writeContext(tx), records(jenaRecords)));
      await store.transaction((tx) => featuresSink.provision(tx, target, config));
      assert.deepEqual(await columnsOf(store, table), columns);
      assert.equal(await count(store, table), jenaRecords.length);
      const { rows } = await store.query<{
        fid: string;
        x: number;
        y: number;
        name: string;
        record: JsonObject;
      }>(sql`
        SELECT fid, ST_X(geom) AS x, ST_Y(geom) AS y, name, record FROM ${featuresTable(table)}
        WHERE fid = 'urn:ngsi-ld:OffStreetParking:jena-185'`);
      assert.equal(rows[0]?.name, 'Eichplatz');
      assert.equal(rows[0]?.x, 11.585954366);
      assert.equal(rows[0]?.y, 50.928491667);
      assert.deepEqual(rows[0]?.record, jenaRecords[0]);
    });

    test('a newer structure version adds columns; the old rows stay', async () => {
      const ds = await newDataSet();
      const v1 = sinkTarget(ds, offStreetParkingV1);
      const config = featuresSink.validateConfig({}, offStreetParkingV1, 'sinks[0]');
      await store.transaction((tx) => featuresSink.provision(tx, v1, config));
      const table = `ds_${ds.id}_0`;
      assert.equal((await columnsOf(store, table)).available_spot_number, undefined);
      await store.transaction((tx) =>
        featuresSink.prepare(v1, config).write(writeContext(tx), records(jenaRecords.slice(0, 2))),
      );

      const v2 = sinkTarget(ds, offStreetParkingSchema);
      await store.transaction((tx) => featuresSink.provision(tx, v2, config));
      assert.equal((await columnsOf(store, table)).available_spot_number, 'bigint');
      const sink = featuresSink.prepare(v2, config);
      const newer = { ...jenaRecords[2]!, availableSpotNumber: 17 };
      await store.transaction((tx) => sink.write(writeContext(tx), records([newer])));
      const { rows } = await store.query<{ fid: string; available_spot_number: number | null }>(
        sql`SELECT fid, available_spot_number FROM ${featuresTable(table)} ORDER BY fid`,
      );
      assert.equal(rows.length, 3);
      assert.deepEqual(
        rows.map((r) => r.available_spot_number),
        [null, null, 17],
      );
    });

    test('a property whose type changed is refused with 409 and the release transaction rolls back', async () => {
      const ds = await newDataSet();
      const config = featuresSink.validateConfig({}, offStreetParkingV1, 'sinks[0]');
      await store.transaction((tx) => featuresSink.provision(tx, sinkTarget(ds, offStreetParkingV1), config));
      const table = `ds_${ds.id}_0`;
      const before = await columnsOf(store, table);
      const changed: JsonObject = {
        ...offStreetParkingV1,
        properties: {
          ...(offStreetParkingV1.properties as JsonObject),
          name: { type: 'integer' },
          capacity: { type: 'integer' },
        },
      };
      await assert.rejects(
        store.transaction((tx) => featuresSink.provision(tx, sinkTarget(ds, changed), config)),
        (err: unknown) => {
          assert.ok(isDomainError(err));
          assert.equal(err.status, 409);
          assert.match(err.message, /property name as text, but the structure now makes it bigint/);
          assert.equal(err.extensions.field, 'sinks[0]');
          return true;
        },
      );
      assert.deepEqual(await columnsOf(store, table), before, 'nothing of the refused version remains');
    });

    test('upsert keeps the latest state per id; append adds a row per record', async () => {
      const upsertSet = await newDataSet();
      const config = featuresSink.validateConfig({}, offStreetParkingSchema, 'sinks[0]');
      const target = sinkTarget(upsertSet, offStreetParkingSchema);
      await store.transaction((tx) => featuresSink.provision(tx, target, config));
      const sink = featuresSink.prepare(target, config);
      const first = { ...jenaRecords[0]!, availableSpotNumber: 5 };
      // The same id twice in one batch and again in the next batch: one row, the last state.
      await store.transaction((tx) =>
        sink.write(writeContext(tx), records([first, { ...first, availableSpotNumber: 6 }])),
      );
      await store.transaction((tx) =>
        sink.write(
          writeContext(tx),
          records([{ ...first, availableSpotNumber: 7, name: 'Eichplatz (neu)' }]),
        ),
      );
      const up = `ds_${upsertSet.id}_0`;
      const { rows } = await store.query<{ fid: string; available_spot_number: number; name: string }>(
        sql`SELECT fid, available_spot_number, name FROM ${featuresTable(up)}`,
      );
      assert.deepEqual(rows, [
        { fid: 'urn:ngsi-ld:OffStreetParking:jena-185', available_spot_number: 7, name: 'Eichplatz (neu)' },
      ]);

      const appendSet = await newDataSet([{ kind: 'features', mode: 'append' }]);
      const appendConfig = featuresSink.validateConfig(
        { mode: 'append' },
        offStreetParkingSchema,
        'sinks[0]',
      );
      assert.equal(appendConfig.mode, 'append');
      const appendTarget = sinkTarget(appendSet, offStreetParkingSchema);
      await store.transaction((tx) => featuresSink.provision(tx, appendTarget, appendConfig));
      const appender = featuresSink.prepare(appendTarget, appendConfig);
      await store.transaction((tx) => appender.write(writeContext(tx), records([first, first])));
      await store.transaction((tx) => appender.write(writeContext(tx), records([first])));
      const ap = await store.query<{ fid: string; id: string }>(
        sql`SELECT fid, id FROM ${featuresTable(`ds_${appendSet.id}_0`)}`,
      );
      assert.equal(ap.rows.length, 3);
      assert.equal(new Set(ap.rows.map((r) => r.fid)).size, 3, 'generated ids are distinct');
      assert.ok(
        ap.rows.every((r) => r.id === (first as JsonObject).id),
        'the record id stays in its column',
      );
    });

    test('with a time field, a late older record does not replace the newer state', async () => {
      const schema: JsonObject = {
        type: 'object',
        properties: {
          id: { type: 'string' },
          free: { type: 'integer' },
          location: { type: 'object' },
          dateObserved: { type: 'string', format: 'date-time' },
        },
      };
      const ds = await newDataSet();
      const config = featuresSink.validateConfig({}, schema, 'sinks[0]');
      assert.equal(config.timeField, 'dateObserved');
      const target = sinkTarget(ds, schema);
      await store.transaction((tx) => featuresSink.provision(tx, target, config));
      const sink = featuresSink.prepare(target, config);
      const at = (free: number, minute: number) => ({
        id: 'P1',
        free,
        location: { type: 'Point', coordinates: [11.58, 50.92] },
        dateObserved: `2026-11-27T08:${String(minute).padStart(2, '0')}:00Z`,
      });
      // In one batch the newest wins whatever the order; a later batch with an older reading changes nothing.
      await store.transaction((tx) => sink.write(writeContext(tx), records([at(5, 10), at(3, 5)])));
      await store.transaction((tx) => sink.write(writeContext(tx), records([at(1, 1)])));
      const read = () =>
        store.query<{ free: number }>(sql`SELECT free FROM ${featuresTable(`ds_${ds.id}_0`)}`);
      assert.deepEqual((await read()).rows, [{ free: 5 }]);
      await store.transaction((tx) => sink.write(writeContext(tx), records([at(9, 20)])));
      assert.deepEqual((await read()).rows, [{ free: 9 }]);
    });

    test('check() names the field of a bad number, geometry, date or id; whatever passes is written', async () => {
      const ds = await newDataSet();
      const schema: JsonObject = {
        ...offStreetParkingSchema,
        properties: { openedOn: { type: 'string', format: 'date' }, covered: { type: 'boolean' } },
      };
      const config = featuresSink.validateConfig({}, schema, 'sinks[0]');
      const target = sinkTarget(ds, schema);
      await store.transaction((tx) => featuresSink.provision(tx, target, config));
      const sink = featuresSink.prepare(target, config);
      const base = jenaRecords[0]!;
      const theGeom = (jenaParkingUtm(0) as JsonObject).the_geom;
      const cases: [JsonObject, string, RegExp][] = [
        [{ ...base, availableSpotNumber: 'many' }, 'availableSpotNumber', /whole number/],
        [{ ...base, availableSpotNumber: 1.5 }, 'availableSpotNumber', /whole number/],
        [{ ...base, occupancy: '0.5' }, 'occupancy', /must be a number/],
        [{ ...base, location: { type: 'Point', coordinates: [11.5] } }, 'location', /Point is one position/],
        [{ ...base, location: theGeom }, 'location', /outside WGS 84/],
        [{ ...base, location: { type: 'Circle', coordinates: [1, 2] } }, 'location', /GeoJSON geometry/],
        [{ ...base, dateModified: '2024-02-30T10:00:00Z' }, 'dateModified', /ISO 8601 date-time/],
        [{ ...base, dateModified: '2024-05-01T10:00:00' }, 'dateModified', /with a time zone/],
        [{ ...base, openedOn: '2023-02-29' }, 'openedOn', /date YYYY-MM-DD/],
        [{ ...base, covered: 'yes' }, 'covered', /true or false/],
        [{ ...base, name: 42 }, 'name', /must be a string/],
        [{ ...base, id: undefined }, 'id', /feature id/],
        [{ ...base, description: 'nul \u0000 inside' }, 'description', /NUL/],
      ];
      for (const [value, field, message] of cases) {
        const reasons = sink.check(value);
        assert.equal(reasons.length, 1, `${field}: ${JSON.stringify(reasons)}`);
        assert.equal(reasons[0]!.field, field);
        assert.match(reasons[0]!.message, message);
      }
      const good: JsonObject[] = [
        { ...base, id: 'a', location: { type: 'Point', coordinates: [11.58, 50.92, 155.5] } },
        { ...base, id: 'b', location: { type: 'Feature', properties: {}, geometry: base.location } },
        { ...base, id: 'c', location: null, dateModified: '2024-05-01', openedOn: '2024-02-29' },
        {
          ...base,
          id: 'd',
          dateModified: '2024-05-01T10:00:00.123456+0530',
          covered: false,
          occupancy: 0.25,
        },
        { ...base, id: 'e', location: { type: 'GeometryCollection', geometries: [base.location] } },
      ];
      for (const value of good) assert.deepEqual(sink.check(value), [], JSON.stringify(value));
      await store.transaction((tx) => sink.write(writeContext(tx), records(good)));
      const { rows } = await store.query<{
        fid: string;
        t: string | null;
        modified: string;
        opened: string | null;
      }>(sql`
        SELECT fid, ST_AsText(geom) AS t, date_modified AS modified, opened_on::text AS opened
        FROM ${featuresTable(`ds_${ds.id}_0`)} ORDER BY fid`);
      assert.deepEqual(
        rows.map((r) => [r.fid, r.t]),
        [
          ['a', 'POINT(11.58 50.92)'],
          ['b', 'POINT(11.585954366 50.928491667)'],
          ['c', null],
          ['d', 'POINT(11.585954366 50.928491667)'],
          ['e', 'GEOMETRYCOLLECTION(POINT(11.585954366 50.928491667))'],
        ],
      );
      assert.equal(rows[2]!.modified, '2024-05-01T00:00:00.000Z');
      assert.equal(rows[2]!.opened, '2024-02-29');
      assert.equal(rows[3]!.modified, '2024-05-01T04:30:00.123456Z');
    });

    test('1,000 records in one write', async () => {
      const ds = await newDataSet();
      const config = featuresSink.validateConfig({}, offStreetParkingSchema, 'sinks[0]');
      const target = sinkTarget(ds, offStreetParkingSchema);
      await store.transaction((tx) => featuresSink.provision(tx, target, config));
      const sink = featuresSink.prepare(target, config);
      const values = manyRecords(1000);
      assert.ok(values.every((v) => sink.check(v).length === 0));
      await store.transaction((tx) => sink.write(writeContext(tx), records(values)));
      const table = `ds_${ds.id}_0`;
      assert.equal(await count(store, table), 1000);
      const { rows } = await store.query<{ n: number; spots: number }>(sql`
        SELECT count(*)::int AS n, sum(available_spot_number)::int AS spots FROM ${featuresTable(table)}
        WHERE geom && ST_MakeEnvelope(11.5, 50.9, 11.7, 51.0, 4326)`);
      assert.equal(rows[0]!.n, 1000);
      assert.equal(
        rows[0]!.spots,
        values.reduce((s, v) => s + (v.availableSpotNumber as number), 0),
      );
    });

    test('drop removes the table and its registry rows', async () => {
      const ds = await newDataSet();
      const config = featuresSink.validateConfig({}, offStreetParkingV1, 'sinks[0]');
      const target = sinkTarget(ds, offStreetParkingV1);
      await store.transaction((tx) => featuresSink.provision(tx, target, config));
      await store.transaction((tx) => featuresSink.drop(tx, target, config));
      const table = await store.query(sql`SELECT to_regclass(${`urbs_features.ds_${ds.id}_0`}) AS t`);
      assert.equal(table.rows[0]!.t, null);
      const registry = await store.query(
        sql`SELECT 1 FROM urbs_features.sink_columns WHERE table_name = ${`ds_${ds.id}_0`}`,
      );
      assert.equal(registry.rows.length, 0);
      // Dropping again (a retried delete) is fine.
      await store.transaction((tx) => featuresSink.drop(tx, target, config));
    });
  });
}

/** The Jena feature's `the_geom`: the same place in UTM zone 32N metres (EPSG:25832), not WGS 84. */
function jenaParkingUtm(i: number): JsonObject {
  return (jenaParkingFeatures[i] as { properties: JsonObject }).properties;
}
