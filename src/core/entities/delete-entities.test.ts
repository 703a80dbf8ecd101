import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as body from '../../../test/support/sta-bodies.ts';
import { storeKinds } from '../../../test/support/test-store.ts';
import {
  countAll,
  openWriteFixture,
  rejectsWith,
  type WriteFixture,
} from '../../../test/support/write-fixture.ts';
import { staRegistry } from '../../model/sta/index.ts';
import { ident, type Sql, sql } from '../query/sql.ts';
import { createEntity, deleteEntity } from './write-entities.ts';

const e = (name: string) => staRegistry.entity(name);

/** Ids of rows of a table matching a condition, ascending. */
async function idsOf(f: WriteFixture, table: string, where: Sql): Promise<number[]> {
  const { rows } = await f.store.query<{ id: number }>(
    sql`SELECT id FROM ${ident(table)} WHERE ${where} ORDER BY id`,
  );
  return rows.map((r) => r.id);
}

/** A Thing (with Location) with a Datastream with two Observations and a MultiDatastream with one. */
async function station(f: WriteFixture, name: string) {
  return f.write(async (w) => {
    const thing = await createEntity(w, e('Thing'), { ...body.standardThing(), name });
    const md = await createEntity(w, e('MultiDatastream'), {
      ...body.multiDatastream(thing),
      Observations: [{ phenomenonTime: '2024-05-01T00:00:00Z', result: [3, 270] }],
    });
    return { thing, md };
  });
}

for (const kind of storeKinds()) {
  describe(`deleteEntity and the standard's cascades (${kind})`, () => {
    let f: WriteFixture;
    before(async () => {
      f = await openWriteFixture(kind);
    });
    after(() => f.close());

    test('Thing → Datastreams, MultiDatastreams, HistoricalLocations and their Observations', async () => {
      const start = await countAll(f);
      const { thing } = await station(f, 'Doomed station');
      const n = f.events.length;
      await f.write((w) => deleteEntity(w, e('Thing'), thing));
      const now = await countAll(f);
      for (const t of [
        'sta_things',
        'sta_datastreams',
        'sta_multi_datastreams',
        'sta_historical_locations',
        'sta_observations',
      ]) {
        assert.equal(now[t], start[t], t);
      }
      // Locations, Sensors, ObservedProperties and FOIs exist on their own.
      assert.equal(now.sta_locations, start.sta_locations! + 1);
      assert.equal(now.sta_sensors, start.sta_sensors! + 2);
      assert.deepEqual(
        f.events.slice(n).map((x) => [x.entity, x.op, x.id]),
        [['Thing', 'delete', thing]],
      );
    });

    test('Datastream → Observations; Sensor → (Multi)Datastreams', async () => {
      const { thing } = await station(f, 'S2');
      const ds = await idsOf(f, 'sta_datastreams', sql`thing_id = ${thing}`);
      const before = await f.count('sta_observations');
      await f.write((w) => deleteEntity(w, e('Datastream'), ds[0]!));
      assert.equal(await f.count('sta_observations'), before - 2);
      const sensors = await idsOf(f, 'sta_multi_datastreams', sql`thing_id = ${thing}`);
      const { rows } = await f.store.query<{ sensor_id: number }>(
        sql`SELECT sensor_id FROM sta_multi_datastreams WHERE id = ${sensors[0]}`,
      );
      await f.write((w) => deleteEntity(w, e('Sensor'), rows[0]!.sensor_id));
      assert.deepEqual(await idsOf(f, 'sta_multi_datastreams', sql`thing_id = ${thing}`), []);
      assert.equal(await f.count('sta_observations'), before - 3);
    });

    test('ObservedProperty → its Datastreams and the MultiDatastreams observing it', async () => {
      const { thing, md } = await station(f, 'S3');
      const { rows } = await f.store.query<{ id: number }>(
        sql`SELECT observed_property_id AS id FROM sta_multi_datastreams_observed_properties WHERE multi_datastream_id = ${md} LIMIT 1`,
      );
      const n = f.events.length;
      await f.write((w) => deleteEntity(w, e('ObservedProperty'), rows[0]!.id));
      assert.deepEqual(await idsOf(f, 'sta_multi_datastreams', sql`thing_id = ${thing}`), []);
      assert.deepEqual(
        f.events.slice(n).map((x) => [x.entity, x.op]),
        [
          ['MultiDatastream', 'delete'],
          ['ObservedProperty', 'delete'],
        ],
      );
    });

    test('FeatureOfInterest → its Observations, and the Datastream extents are recomputed', async () => {
      const { thing } = await station(f, 'S4');
      const [ds] = await idsOf(f, 'sta_datastreams', sql`thing_id = ${thing}`);
      const own = await f.write((w) =>
        createEntity(w, e('Observation'), {
          phenomenonTime: '2030-01-01T00:00:00Z',
          result: 1,
          Datastream: { '@iot.id': ds },
          FeatureOfInterest: body.featureOfInterest(10, 10),
        }),
      );
      assert.equal(await f.value('sta_datastreams', ds!, 'phenomenon_time_end'), '2030-01-01T00:00:00.000Z');
      const { rows } = await f.store.query<{ foi: number }>(
        sql`SELECT feature_of_interest_id AS foi FROM sta_observations WHERE id = ${own}`,
      );
      await f.write((w) => deleteEntity(w, e('FeatureOfInterest'), rows[0]!.foi));
      assert.equal(await f.value('sta_datastreams', ds!, 'phenomenon_time_end'), '2024-05-01T12:10:00.000Z');
      const area = await f.store.query<{ t: string }>(
        sql`SELECT ST_AsText(observed_area) AS t FROM sta_datastreams WHERE id = ${ds}`,
      );
      assert.equal(area.rows[0]!.t, 'POINT(-114.133 51.08)');
    });

    test('Location → its links, and HistoricalLocations left without a Location', async () => {
      const thing = await f.write((w) => createEntity(w, e('Thing'), body.thing('Mover')));
      const [loc] = await idsOf(
        f,
        'sta_locations',
        sql`id IN (SELECT location_id FROM sta_things_locations WHERE thing_id = ${thing})`,
      );
      const hls = await idsOf(f, 'sta_historical_locations', sql`thing_id = ${thing}`);
      assert.equal(hls.length, 1);
      const n = f.events.length;
      await f.write((w) => deleteEntity(w, e('Location'), loc!));
      assert.deepEqual(await idsOf(f, 'sta_historical_locations', sql`thing_id = ${thing}`), []);
      assert.deepEqual(
        f.events.slice(n).map((x) => [x.entity, x.op, x.id]),
        [
          ['Location', 'delete', loc],
          ['HistoricalLocation', 'delete', hls[0]],
        ],
      );
      assert.equal(await f.count('sta_things'), (await idsOf(f, 'sta_things', sql`tenant_id = 'a'`)).length);
    });

    test('a missing entity, or one of another tenant, is a 404', async () => {
      const thing = await f.write((w) => createEntity(w, e('Thing'), body.thing('Mine', false)));
      await rejectsWith(
        f.write((w) => deleteEntity(w, e('Thing'), thing), 'b'),
        { status: 404 },
      );
      await rejectsWith(
        f.write((w) => deleteEntity(w, e('Observation'), 987_654)),
        { status: 404 },
      );
      assert.equal(await f.value('sta_things', thing, 'name'), 'Mine');
    });
  });
}
