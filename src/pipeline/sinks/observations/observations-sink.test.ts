import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storeKinds } from '../../../../test/support/test-store.ts';
import { countAll, openWriteFixture, type WriteFixture } from '../../../../test/support/write-fixture.ts';
import { parseQueryOptions } from '../../../apis/sta/parse-odata-query.ts';
import type { WriteContext } from '../../../core/entities/context.ts';
import { readCollection } from '../../../core/entities/read-entities.ts';
import { deleteEntity } from '../../../core/entities/write-entities.ts';
import { type Sql, type SqlQuery, sql } from '../../../core/query/sql.ts';
import { staRegistry } from '../../../model/sta/index.ts';
import type { Queryable } from '../../../store/store.ts';
import type { PreparedSink, SinkRecord } from '../sink-kind.ts';
import { observationsSink } from './observations-sink.ts';
import { mappedNeutorRecords, neutorConfig, weatherSchema, weatherTarget } from './test-fixtures.ts';

const config = observationsSink.validateConfig(neutorConfig, weatherSchema, 'sinks[0]');
const prepare = () => observationsSink.prepare(weatherTarget(), config);
const batch = (values: Record<string, unknown>[]): SinkRecord[] =>
  values.map((value, index) => ({ index, value }));

/** The statements a write runs (their text), through a wrapper that stands for the transaction. */
function recording(w: WriteContext, texts: string[]): WriteContext {
  const tx: Queryable = {
    query: (q: Sql | SqlQuery) => {
      texts.push('toQuery' in q ? q.toQuery().text : q.text);
      return w.tx.query(q);
    },
    copy: (t, c, r) => w.tx.copy(t, c, r),
    runScript: (s) => w.tx.runScript(s),
  };
  return { ...w, tx };
}

/** The sink's own statements: lookups by `urbsKey`, Sensor and ObservedProperty lookups, its locks. */
const mine =
  /->>|FROM "sta_(sensors|observed_properties)"|pg_advisory_xact_lock\(\$1::int, (hashtext\(t::text\)|hashtext\(\$2( \|\| k)?\))\)/;

/** One Observation per record and present result field. */
const expectedObservations = (values: Record<string, unknown>[]) =>
  values.reduce(
    (n, v) =>
      n + ['temperature', 'windSpeed', 'weatherType'].filter((k) => v[k] != null && v[k] !== '').length,
    0,
  );

for (const kind of storeKinds()) {
  describe(`observations sink (${kind})`, () => {
    let f: WriteFixture;
    let records: Record<string, unknown>[];
    let sink: PreparedSink;
    const write = (s: PreparedSink, values: Record<string, unknown>[]) =>
      f.write((w) => s.write(w, batch(values)));
    const rows = async (q: Sql) => (await f.store.query(q)).rows;
    const moved = (r: Record<string, unknown>, key: string, coordinates?: number[]) => ({
      ...structuredClone(r),
      address: { addressLocality: 'Münster', streetAddress: key },
      ...(coordinates ? { location: { type: 'Point', coordinates } } : {}),
    });

    before(async () => {
      f = await openWriteFixture(kind);
      sink = prepare();
      // What the runtime hands to write: the records that pass check (all but the empty DST hour).
      records = (await mappedNeutorRecords()).filter((r) => sink.check(r).length === 0);
      assert.equal(records.length, 11);
    });
    after(() => f.close());

    test('the first batch creates the Thing, its Location, Sensor, ObservedProperties, Datastreams and Observations', async () => {
      const n = f.events.length;
      await write(sink, records.slice(0, 6));
      const counts = await countAll(f);
      assert.deepEqual(counts, {
        sta_things: 1,
        sta_locations: 1,
        sta_historical_locations: 1,
        sta_datastreams: 3,
        sta_multi_datastreams: 0,
        sta_sensors: 1,
        sta_observed_properties: 3,
        sta_observations: 18,
        sta_features_of_interest: 1,
      });
      const [thing] = await rows(sql`SELECT name, properties FROM sta_things`);
      assert.deepEqual(thing, {
        name: 'Weather station Neutor',
        properties: { city: 'Münster', urbsDataSet: 7, urbsKey: 'Neutor' },
      });
      const ds = await rows(
        sql`SELECT name, observation_type AS t, unit_of_measurement AS u FROM sta_datastreams ORDER BY id`,
      );
      assert.deepEqual(
        ds.map((d) => d.name),
        [
          'Weather station Neutor air temperature',
          'Weather station Neutor wind speed',
          'Weather station Neutor weather type',
        ],
      );
      assert.match(String(ds[2]!.t), /OM_CategoryObservation$/);
      assert.equal((ds[0]!.u as { symbol: string }).symbol, '°C');
      const created = f.events.slice(n).filter((e) => e.op === 'create');
      assert.equal(created.filter((e) => e.entity === 'Observation').length, 18);
      assert.equal(created.filter((e) => e.entity === 'Thing').length, 1);
    });

    test('later batches reuse every entity; once settled a batch runs no entity lookup; extents follow', async () => {
      await write(sink, records.slice(6, 9)); // settles the ids created by the first batch
      const texts: string[] = [];
      await f.write((w) => sink.write(recording(w, texts), batch(records.slice(9))));
      assert.ok(texts.length > 0);
      assert.deepEqual(
        texts.filter((t) => mine.test(t)),
        [],
      );
      // …only the one statement that finds the readings already stored (skip-duplicates.ts).
      assert.equal(texts.filter((t) => /FROM "sta_observations"/.test(t)).length, 1);
      const counts = await countAll(f);
      assert.deepEqual(
        [counts.sta_things, counts.sta_datastreams, counts.sta_locations, counts.sta_observations],
        [1, 3, 1, expectedObservations(records)],
      );
      const [ext] = await rows(
        sql`SELECT phenomenon_time_start AS s, phenomenon_time_end AS e, ST_AsText(observed_area) AS a
            FROM sta_datastreams WHERE properties->>'urbsKey' = 'temperature'`,
      );
      assert.deepEqual(ext, {
        s: records[0]!.dateObserved,
        e: records.at(-1)!.dateObserved,
        a: 'POINT(7.6196 51.9625)',
      });
    });

    test('a new prepare (restart) finds the same Thing and Datastreams', async () => {
      const before = await rows(sql`SELECT id FROM sta_datastreams ORDER BY id`);
      const again = { ...records[0]!, dateObserved: '2017-01-01T00:00:00.000Z' };
      const texts: string[] = [];
      await f.write((w) => prepare().write(recording(w, texts), batch([again])));
      // One lookup of the Thing, one of its Datastreams, under their locks.
      assert.equal(texts.filter((t) => mine.test(t)).length, 4, texts.join('\n'));
      const counts = await countAll(f);
      assert.deepEqual(
        [counts.sta_things, counts.sta_datastreams, counts.sta_sensors, counts.sta_observed_properties],
        [1, 3, 1, 3],
      );
      assert.deepEqual(await rows(sql`SELECT id FROM sta_datastreams ORDER BY id`), before);
      assert.equal(counts.sta_observations, expectedObservations(records) + 3);
    });

    test('a rolled-back batch leaves nothing remembered: the next one creates the Thing again', async () => {
      const s = prepare();
      await write(s, [records[0]!]); // known: Neutor
      const other = moved(records[1]!, 'Ludgeriplatz', [7.628, 51.958]);
      await assert.rejects(
        f.write(async (w) => {
          await s.write(w, batch([other]));
          throw new Error('dead letters could not be written');
        }),
        /dead letters/,
      );
      assert.equal((await countAll(f)).sta_things, 1);
      await write(s, [other]);
      await write(s, [{ ...other, dateObserved: '2016-06-01T00:00:00.000Z' }]);
      const things = await rows(sql`SELECT properties->>'urbsKey' AS k FROM sta_things ORDER BY id`);
      assert.deepEqual(
        things.map((t) => t.k),
        ['Neutor', 'Ludgeriplatz'],
      );
      assert.equal((await countAll(f)).sta_datastreams, 6);
    });

    test('a batch rolled back to a savepoint (the per-record retry) is not trusted later in the transaction', async () => {
      const s = prepare();
      const third = moved(records[2]!, 'Hafen', [7.64, 51.95]);
      await f.write(async (w) => {
        await w.tx.query(sql`SAVEPOINT rec`);
        await s.write(w, batch([third]));
        await w.tx.query(sql`ROLLBACK TO SAVEPOINT rec`);
        await s.write(w, batch([third]));
      });
      const [t] = await rows(
        sql`SELECT count(*)::int AS n FROM sta_things WHERE properties->>'urbsKey' = 'Hafen'`,
      );
      assert.equal(t!.n, 1);
      const [o] = await rows(
        sql`SELECT count(*)::int AS n FROM sta_observations o JOIN sta_datastreams d ON d.id = o.datastream_id
            JOIN sta_things t ON t.id = d.thing_id WHERE t.properties->>'urbsKey' = 'Hafen'`,
      );
      assert.equal(o!.n, 3);
    });

    test('a moved Thing gets a new Location and HistoricalLocation, also after a rolled-back move', async () => {
      const s = prepare();
      const here = (c: number[], t: string) => ({ ...moved(records[3]!, 'Bus 7', c), dateObserved: t });
      await write(s, [here([7.6, 51.9], '2016-03-01T00:00:00Z'), here([7.6, 51.9], '2016-03-01T00:01:00Z')]);
      const locations = async () =>
        rows(sql`SELECT l.location_geojson AS g FROM sta_locations l JOIN sta_things_locations tl ON tl.location_id = l.id
                 JOIN sta_things t ON t.id = tl.thing_id WHERE t.properties->>'urbsKey' = 'Bus 7'`);
      const hl = async () =>
        (
          await rows(sql`SELECT count(*)::int AS n FROM sta_historical_locations h JOIN sta_things t ON t.id = h.thing_id
                        WHERE t.properties->>'urbsKey' = 'Bus 7'`)
        )[0]!.n;
      assert.equal(await hl(), 1);
      await assert.rejects(
        f.write(async (w) => {
          await s.write(w, batch([here([7.7, 51.8], '2016-03-01T00:02:00Z')]));
          throw new Error('rolled back');
        }),
      );
      await write(s, [here([7.7, 51.8], '2016-03-01T00:03:00Z'), here([7.7, 51.8], '2016-03-01T00:04:00Z')]);
      assert.deepEqual(await locations(), [{ g: { type: 'Point', coordinates: [7.7, 51.8] } }]);
      assert.equal(await hl(), 2);
    });

    test('an explicit featureOfInterest gives each position its own, reused when identical', async () => {
      const cfg = observationsSink.validateConfig(
        { ...neutorConfig, featureOfInterest: { geometry: 'location', name: 'At {@thing}' } },
        weatherSchema,
        's',
      );
      const s = observationsSink.prepare(weatherTarget({ dataSetId: 8 }), cfg);
      const at = (c: number[], t: string) => ({ ...moved(records[4]!, 'Drone', c), dateObserved: t });
      const fois = (await countAll(f)).sta_features_of_interest!;
      await write(s, [at([7.1, 51.1], '2016-04-01T00:00:00Z'), at([7.2, 51.2], '2016-04-01T00:01:00Z')]);
      await write(s, [at([7.1, 51.1], '2016-04-01T00:02:00Z')]);
      const counts = await countAll(f);
      assert.equal(counts.sta_features_of_interest, fois + 2);
      const names = await rows(
        sql`SELECT DISTINCT name FROM sta_features_of_interest WHERE name LIKE 'At %'`,
      );
      assert.deepEqual(names, [{ name: 'At Weather station Drone' }]);
    });

    test('a Datastream deleted by hand fails one batch; the retry creates it again', async () => {
      const [ds] = await rows(
        sql`SELECT id FROM sta_datastreams WHERE properties->>'urbsKey' = 'windSpeed' ORDER BY id LIMIT 1`,
      );
      await f.write((w) => deleteEntity(w, staRegistry.entity('Datastream'), ds!.id as number));
      const r = { ...records[5]!, dateObserved: '2016-05-05T00:00:00Z' };
      await write(sink, [r]).catch(() => undefined); // may fail once: the id was remembered
      await write(sink, [{ ...r, dateObserved: '2016-05-05T01:00:00Z' }]);
      const [n] = await rows(
        sql`SELECT count(*)::int AS n FROM sta_datastreams d JOIN sta_things t ON t.id = d.thing_id
            WHERE d.properties->>'urbsKey' = 'windSpeed' AND t.properties->>'urbsKey' = 'Neutor'`,
      );
      assert.equal(n!.n, 1);
    });

    test('what the sink wrote reads back through the SensorThings read path', async () => {
      const deps = {
        db: f.store,
        registry: staRegistry,
        options: { defaultTop: 10, maxTop: 100, countEstimateAbove: 0 },
      };
      const q = parseQueryOptions(
        new URLSearchParams({
          $filter: "properties/urbsDataSet eq 7 and properties/urbsKey eq 'Neutor'",
          $expand: 'Datastreams($orderby=id;$expand=Observations($orderby=phenomenonTime;$top=1))',
        }),
      );
      const page = await readCollection(
        deps,
        { tenant: 'a', principal: null },
        [{ entity: staRegistry.entity('Thing') }],
        q,
      );
      assert.equal(page.records.length, 1);
      const json = JSON.stringify(page.records[0]);
      assert.match(json, /Weather station Neutor air temperature/);
      assert.match(json, /"result":3/);
    });
  });
}
