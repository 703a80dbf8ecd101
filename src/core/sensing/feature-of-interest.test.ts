import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as body from '../../../test/support/sta-bodies.ts';
import { storeKinds } from '../../../test/support/test-store.ts';
import { openWriteFixture, rejectsWith, type WriteFixture } from '../../../test/support/write-fixture.ts';
import { staRegistry } from '../../model/sta/index.ts';
import { createEntity, updateEntity } from '../entities/write-entities.ts';
import { sql } from '../query/sql.ts';
import { createObservations } from './create-observations.ts';

const e = (name: string) => staRegistry.entity(name);

for (const kind of storeKinds()) {
  describe(`generated FeaturesOfInterest (${kind})`, () => {
    let f: WriteFixture;
    let thing: number;
    let ds1: number;
    let ds2: number;
    before(async () => {
      f = await openWriteFixture(kind);
      ({ thing, ds1, ds2 } = await f.write(async (w) => {
        const thing = await createEntity(w, e('Thing'), body.thing());
        const ds = () => createEntity(w, e('Datastream'), body.datastream({ Thing: { '@iot.id': thing } }));
        return { thing, ds1: await ds(), ds2: await ds() };
      }));
    });
    after(() => f.close());

    const foiOf = async (id: number) =>
      (
        await f.store.query<{ foi: number }>(
          sql`SELECT feature_of_interest_id AS foi FROM sta_observations WHERE id = ${id}`,
        )
      ).rows[0]!.foi;

    test('an Observation without FeatureOfInterest gets one from its Thing’s Location', async () => {
      const n = f.events.length;
      const [id] = await f.write((w) => createObservations(w, [{ datastreamId: ds1, result: 1 }]));
      const foi = await foiOf(id!);
      const { rows } = await f.store.query(
        sql`SELECT name, description, encoding_type, feature_geojson, ST_AsText(feature) AS wkt FROM sta_features_of_interest WHERE id = ${foi}`,
      );
      assert.deepEqual(rows[0], {
        name: 'UofC CCIT',
        description: 'University of Calgary, CCIT building',
        encoding_type: 'application/geo+json',
        feature_geojson: { type: 'Point', coordinates: [-114.133, 51.08] },
        wkt: 'POINT(-114.133 51.08)',
      });
      assert.deepEqual(
        f.events.slice(n).map((x) => x.entity),
        ['FeatureOfInterest', 'Observation'],
      );
    });

    test('the identical FeatureOfInterest is reused, across batches and Datastreams', async () => {
      const [a] = await f.write((w) => createObservations(w, [{ datastreamId: ds1, result: 1 }]));
      const [b, c] = await f.write((w) =>
        createObservations(w, [
          { datastreamId: ds2, result: 2 },
          { datastreamId: ds1, result: 3 },
        ]),
      );
      assert.equal(await foiOf(b!), await foiOf(a!));
      assert.equal(await foiOf(c!), await foiOf(a!));
      assert.equal(await f.count('sta_features_of_interest'), 1);
    });

    test('the next transaction confirms the FeaturesOfInterest of many streams with one query', async () => {
      const streams = await f.write(async (w) =>
        Promise.all(
          Array.from({ length: 12 }, () =>
            createEntity(w, e('Datastream'), body.datastream({ Thing: { '@iot.id': thing } })),
          ),
        ),
      );
      await f.write((w) =>
        createObservations(
          w,
          streams.map((id) => ({ datastreamId: id, result: 1 })),
        ),
      );
      const statements: string[] = [];
      await f.write((w) => {
        const tx: typeof w.tx = {
          query: (q) => {
            statements.push('toQuery' in q ? q.toQuery().text : q.text);
            return w.tx.query(q);
          },
          copy: (...a) => w.tx.copy(...a),
          runScript: (x) => w.tx.runScript(x),
        };
        return createObservations(
          { ...w, tx },
          streams.map((id) => ({ datastreamId: id, result: 2 })),
        );
      });
      // Lookups of FeaturesOfInterest (the batch's extents update joins them too; that one is per batch).
      const foiQueries = statements.filter(
        (t) => t.trimStart().startsWith('SELECT') && t.includes('sta_features_of_interest'),
      );
      assert.equal(foiQueries.length, 1, foiQueries.join('\n'));
    });

    test('a Thing that moved gets a new FeatureOfInterest', async () => {
      const [before] = await f.write((w) => createObservations(w, [{ datastreamId: ds1, result: 1 }]));
      // §10.3: an update links existing entities only; the new Location is created first.
      await rejectsWith(
        f.write((w) =>
          updateEntity(w, e('Thing'), thing, { Locations: [body.location(7, 8, 'New place')] }, 'merge'),
        ),
        { status: 400, field: 'Locations[0]' },
      );
      const loc = await f.write((w) => createEntity(w, e('Location'), body.location(7, 8, 'New place')));
      await f.write((w) => updateEntity(w, e('Thing'), thing, { Locations: [{ '@iot.id': loc }] }, 'merge'));
      const [moved] = await f.write((w) => createObservations(w, [{ datastreamId: ds1, result: 2 }]));
      assert.notEqual(await foiOf(moved!), await foiOf(before!));
      const { rows } = await f.store.query(
        sql`SELECT name FROM sta_features_of_interest WHERE id = ${await foiOf(moved!)}`,
      );
      assert.equal(rows[0]?.name, 'New place');
    });

    test('a FeatureOfInterest generated in a rolled-back transaction is not reused', async () => {
      const loc = await f.write((w) => createEntity(w, e('Location'), body.location(9, 9, 'Third place')));
      await f.write((w) => updateEntity(w, e('Thing'), thing, { Locations: [{ '@iot.id': loc }] }, 'merge'));
      const fois = await f.count('sta_features_of_interest');
      await assert.rejects(
        f.write(async (w) => {
          await createObservations(w, [{ datastreamId: ds1, result: 1 }]);
          throw new Error('abort');
        }),
        /abort/,
      );
      assert.equal(await f.count('sta_features_of_interest'), fois);
      const [id] = await f.write((w) => createObservations(w, [{ datastreamId: ds1, result: 1 }]));
      assert.ok((await foiOf(id!)) > 0);
      assert.equal(await f.count('sta_features_of_interest'), fois + 1);
    });

    test('a Thing without Location is a 400 asking for a FeatureOfInterest', async () => {
      const ds = await f.write(async (w) => {
        const bare = await createEntity(w, e('Thing'), body.thing('Nowhere', false));
        return createEntity(w, e('Datastream'), body.datastream({ Thing: { '@iot.id': bare } }));
      });
      const bareThing = (await f.store.query(sql`SELECT thing_id FROM sta_datastreams WHERE id = ${ds}`))
        .rows[0]!.thing_id;
      await rejectsWith(
        f.write((w) => createEntity(w, e('Observation'), { result: 1, Datastream: { '@iot.id': ds } })),
        {
          status: 400,
          field: 'FeatureOfInterest',
          message: new RegExp(`^Observation needs a FeatureOfInterest: Thing ${bareThing} has no Location$`),
        },
      );
    });
  });
}
