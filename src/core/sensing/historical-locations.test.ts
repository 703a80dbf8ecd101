import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as body from '../../../test/support/sta-bodies.ts';
import { storeKinds } from '../../../test/support/test-store.ts';
import { openWriteFixture, type WriteFixture } from '../../../test/support/write-fixture.ts';
import { staRegistry } from '../../model/sta/index.ts';
import { createEntity, linkEntities, updateEntity } from '../entities/write-entities.ts';
import { sql } from '../query/sql.ts';

const Thing = staRegistry.entity('Thing');
const Location = staRegistry.entity('Location');
const HistoricalLocation = staRegistry.entity('HistoricalLocation');

for (const kind of storeKinds()) {
  describe(`HistoricalLocations (${kind})`, () => {
    let f: WriteFixture;
    before(async () => {
      f = await openWriteFixture(kind);
    });
    after(() => f.close());

    /** The Thing's current Location ids and its HistoricalLocations (oldest first) with their Location ids. */
    async function history(thing: number) {
      const current = await f.store.query<{ id: number }>(
        sql`SELECT location_id AS id FROM sta_things_locations WHERE thing_id = ${thing} ORDER BY 1`,
      );
      const hls = await f.store.query<{ id: number; locations: number[] }>(sql`
        SELECT h.id, ARRAY(SELECT location_id FROM sta_locations_historical_locations j
                           WHERE j.historical_location_id = h.id ORDER BY 1) AS locations
        FROM sta_historical_locations h WHERE h.thing_id = ${thing} ORDER BY h.time, h.id`);
      return { current: current.rows.map((r) => r.id), past: hls.rows.map((r) => r.locations.map(Number)) };
    }

    const newLocation = (name: string) =>
      f.write((w) => createEntity(w, Location, body.location(1, 2, name)));

    test('a Thing created with Locations gets one HistoricalLocation for all of them (§8.2.3)', async () => {
      const n = f.events.length;
      const thing = await f.write((w) =>
        createEntity(w, Thing, {
          ...body.thing('Two encodings', false),
          Locations: [body.location(), body.location(1, 1, 'Same place')],
        }),
      );
      const h = await history(thing);
      assert.equal(h.current.length, 2);
      assert.deepEqual(h.past, [h.current]);
      const hl = f.events.slice(n).find((e) => e.entity === 'HistoricalLocation')!;
      assert.equal(hl.op, 'create');
      assert.equal(hl.links?.Thing, thing);
      assert.ok(Math.abs(Date.parse(hl.record?.time as string) - Date.now()) < 60_000);
    });

    test('a Thing created without Locations has no HistoricalLocation', async () => {
      const thing = await f.write((w) => createEntity(w, Thing, body.thing('Static', false)));
      assert.deepEqual(await history(thing), { current: [], past: [] });
    });

    test('POST Things(n)/Locations replaces the Thing’s Location and records it', async () => {
      const thing = await f.write((w) => createEntity(w, Thing, body.thing('Walker')));
      const first = (await history(thing)).current;
      const loc = await f.write((w) =>
        createEntity(w, Location, body.location(5, 5, 'Second'), {
          relation: staRegistry.relation(Location, 'Things')!,
          id: thing,
        }),
      );
      assert.deepEqual(await history(thing), { current: [loc], past: [first, [loc]] });
    });

    test('PATCH of a Thing’s Locations and $ref both replace and record', async () => {
      const thing = await f.write((w) => createEntity(w, Thing, body.thing('Runner')));
      const first = (await history(thing)).current;
      const [a, b, c] = [await newLocation('A'), await newLocation('B'), await newLocation('C')];
      await f.write((w) =>
        updateEntity(w, Thing, thing, { Locations: [{ '@iot.id': a }, { '@iot.id': b }] }, 'merge'),
      );
      assert.deepEqual(await history(thing), { current: [a, b], past: [first, [a, b]] });
      await f.write((w) => linkEntities(w, Thing, thing, staRegistry.relation(Thing, 'Locations')!, c));
      assert.deepEqual(await history(thing), { current: [c], past: [first, [a, b], [c]] });
    });

    test('a Location created with Things makes it their Location', async () => {
      const [t1, t2] = await f.write(async (w) => [
        await createEntity(w, Thing, body.thing('One')),
        await createEntity(w, Thing, body.thing('Two')),
      ]);
      const loc = await f.write((w) =>
        createEntity(w, Location, {
          ...body.location(3, 3, 'Shared'),
          Things: [{ '@iot.id': t1 }, { '@iot.id': t2 }],
        }),
      );
      assert.deepEqual((await history(t1!)).current, [loc]);
      assert.deepEqual((await history(t2!)).current, [loc]);
      assert.equal((await history(t2!)).past.length, 2);
    });

    test('a HistoricalLocation posted by a client moves the Thing only when it is the latest', async () => {
      const thing = await f.write((w) => createEntity(w, Thing, body.thing('Tracked')));
      const now = (await history(thing)).current;
      const [old, latest] = [await newLocation('Old'), await newLocation('Latest')];
      const post = (time: string, loc: number) =>
        f.write((w) =>
          createEntity(w, HistoricalLocation, {
            time,
            Thing: { '@iot.id': thing },
            Locations: [{ '@iot.id': loc }],
          }),
        );
      await post('2001-01-01T00:00:00Z', old);
      assert.deepEqual((await history(thing)).current, now, 'an older record does not move the Thing');
      await post('2999-01-01T00:00:00Z', latest);
      const h = await history(thing);
      assert.deepEqual(h.current, [latest]);
      assert.equal(h.past.length, 3, 'no extra HistoricalLocation for a client-made one');
    });
  });
}
