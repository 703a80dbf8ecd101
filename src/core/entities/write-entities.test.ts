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
import { createEntity } from './write-entities.ts';

const Thing = staRegistry.entity('Thing');
const Datastream = staRegistry.entity('Datastream');
const Sensor = staRegistry.entity('Sensor');
const ObservedProperty = staRegistry.entity('ObservedProperty');
const Location = staRegistry.entity('Location');

for (const kind of storeKinds()) {
  describe(`createEntity (${kind})`, () => {
    let f: WriteFixture;
    before(async () => {
      f = await openWriteFixture(kind);
    });
    after(() => f.close());

    test('deep insert of the OGC 18-088 §10.2 example creates every entity and links them', async () => {
      const start = await countAll(f);
      const events = f.events.length;
      const id = await f.write((w) => createEntity(w, Thing, body.standardThing()));
      const now = await countAll(f);
      const added = Object.fromEntries(Object.entries(now).map(([t, n]) => [t, n - start[t]!]));
      assert.deepEqual(added, {
        sta_things: 1,
        sta_locations: 1,
        sta_historical_locations: 1,
        sta_datastreams: 1,
        sta_multi_datastreams: 0,
        sta_sensors: 1,
        sta_observed_properties: 1,
        sta_observations: 2,
        sta_features_of_interest: 1,
      });
      const created = f.events.slice(events);
      assert.ok(created.every((e) => e.op === 'create' && e.tenant === 'a' && e.model === 'sta'));
      const thing = created.find((e) => e.entity === 'Thing')!;
      assert.equal(thing.id, id);
      assert.deepEqual(thing.record, {
        name: 'Temperature Monitoring System',
        description: 'Sensor system monitoring area temperature',
        properties: {
          'Deployment Condition': 'Deployed in a third floor balcony',
          'Case Used': 'Radiation shield',
        },
      });
      const ds = created.find((e) => e.entity === 'Datastream')!;
      assert.equal(ds.links?.Thing, id);
      const obs = created.filter((e) => e.entity === 'Observation');
      assert.deepEqual(
        obs.map((e) => e.record?.phenomenonTime),
        ['2024-05-01T12:00:00.000Z', '2024-05-01T12:10:00.000Z'],
      );
      assert.equal(obs[1]!.record?.resultTime, '2024-05-01T12:10:05.000Z');
      assert.equal(obs[0]!.links?.Datastream, ds.id);
    });

    test('links existing entities by @iot.id', async () => {
      const { thingId, sensorId, opId } = await f.write(async (w) => ({
        thingId: await createEntity(w, Thing, body.thing('Linked', false)),
        sensorId: await createEntity(w, Sensor, body.sensor()),
        opId: await createEntity(w, ObservedProperty, body.observedProperty()),
      }));
      const dsId = await f.write((w) =>
        createEntity(
          w,
          Datastream,
          body.datastream({
            Thing: { '@iot.id': thingId },
            Sensor: { '@iot.id': sensorId, '@iot.selfLink': 'ignored' },
            ObservedProperty: { '@iot.id': String(opId) },
          }),
        ),
      );
      assert.equal(await f.value('sta_datastreams', dsId, 'thing_id'), thingId);
      assert.equal(await f.value('sta_datastreams', dsId, 'sensor_id'), sensorId);
      assert.equal(await f.value('sta_datastreams', dsId, 'observed_property_id'), opId);
    });

    test('a navigation parent supplies the required link (POST Things(n)/Datastreams)', async () => {
      const thingId = await f.write((w) => createEntity(w, Thing, body.thing('Parent', false)));
      const dsId = await f.write((w) =>
        createEntity(w, Datastream, body.datastream(), {
          relation: staRegistry.relation(Datastream, 'Thing')!,
          id: thingId,
        }),
      );
      assert.equal(await f.value('sta_datastreams', dsId, 'thing_id'), thingId);
      await rejectsWith(
        f.write((w) =>
          createEntity(w, Datastream, body.datastream({ Thing: { '@iot.id': thingId } }), {
            relation: staRegistry.relation(Datastream, 'Thing')!,
            id: thingId,
          }),
        ),
        { status: 400, field: 'Thing' },
      );
      await rejectsWith(
        f.write((w) =>
          createEntity(w, Datastream, body.datastream(), {
            relation: staRegistry.relation(Datastream, 'Thing')!,
            id: 999_999,
          }),
        ),
        { status: 404, message: /Thing 999999 does not exist/ },
      );
    });

    test('a missing required property or link is a 400 naming the member', async () => {
      const noUnit = {
        ...body.standardThing(),
        Datastreams: [body.datastream({ unitOfMeasurement: undefined })],
      };
      await rejectsWith(
        f.write((w) => createEntity(w, Thing, JSON.parse(JSON.stringify(noUnit)))),
        { status: 400, field: 'Datastreams[0].unitOfMeasurement', message: /required/ },
      );
      const noSensor = {
        ...body.thing(),
        Datastreams: [body.datastream(), body.datastream({ Sensor: undefined })],
      };
      await rejectsWith(
        f.write((w) => createEntity(w, Thing, JSON.parse(JSON.stringify(noSensor)))),
        { status: 400, field: 'Datastreams[1].Sensor' },
      );
      await rejectsWith(
        f.write((w) =>
          createEntity(w, Thing, {
            ...body.thing(),
            Datastreams: [body.datastream({ Sensor: { name: 'x' } })],
          }),
        ),
        { status: 400, field: 'Datastreams[0].Sensor.description' },
      );
    });

    test('an unknown member is a 400 naming it', async () => {
      const typo = { ...body.thing(), Datastreams: [{ ...body.datastream(), unitOfMesurement: body.unit }] };
      await rejectsWith(
        f.write((w) => createEntity(w, Thing, typo)),
        {
          status: 400,
          field: 'Datastreams[0].unitOfMesurement',
          message: /^Datastreams\[0\]\.unitOfMesurement is not a property of Datastream$/,
        },
      );
    });

    test('ids are assigned by the server: a client @iot.id is refused, annotations are ignored', async () => {
      await rejectsWith(
        f.write((w) => createEntity(w, Thing, { '@iot.id': 5, ...body.thing() })),
        { status: 400, field: '@iot.id' },
      );
      await rejectsWith(
        f.write((w) =>
          createEntity(w, Datastream, body.datastream({ Thing: { '@iot.id': 1, name: 'renamed' } })),
        ),
        { status: 400, field: 'Thing' },
      );
      const id = await f.write((w) =>
        createEntity(w, Thing, {
          ...body.thing('Annotated', false),
          '@iot.selfLink': 'x',
          'Datastreams@iot.navigationLink': 'y',
        }),
      );
      assert.ok(id > 0);
    });

    test('bad geometry and bad times are 400s naming the member', async () => {
      await rejectsWith(
        f.write((w) =>
          createEntity(w, Location, { ...body.location(), location: { type: 'Point', coordinates: [1] } }),
        ),
        { status: 400, field: 'location' },
      );
      const ring = {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 1],
            [1, 0],
          ],
        ],
      };
      await rejectsWith(
        f.write((w) =>
          createEntity(w, Thing, { ...body.thing(), Locations: [{ ...body.location(), location: ring }] }),
        ),
        { status: 400, field: 'Locations[0].location' },
      );
      const badTime = {
        ...body.thing(),
        Datastreams: [body.datastream({ Observations: [{ phenomenonTime: 'yesterday', result: 1 }] })],
      };
      await rejectsWith(
        f.write((w) => createEntity(w, Thing, badTime)),
        { status: 400, field: 'Datastreams[0].Observations[0].phenomenonTime' },
      );
    });

    test('a failure in the middle of a deep insert leaves nothing behind', async () => {
      const start = await countAll(f);
      const events = f.events.length;
      // Everything before Datastreams[1].Sensor is written before the missing Sensor 999999 is found.
      const doomed = {
        ...body.standardThing(),
        Datastreams: [
          ...body.standardThing().Datastreams,
          body.datastream({ Sensor: { '@iot.id': 999_999 } }),
        ],
      };
      await rejectsWith(
        f.write((w) => createEntity(w, Thing, doomed)),
        { status: 400, field: 'Datastreams[1].Sensor', message: /Sensor 999999 does not exist/ },
      );
      assert.deepEqual(await countAll(f), start);
      assert.equal(f.events.length, events, 'no events for a rolled-back transaction');
    });

    test('entities of another tenant are invisible and cannot be linked', async () => {
      const sensorId = await f.write((w) => createEntity(w, Sensor, body.sensor()), 'a');
      const thingB = await f.write((w) => createEntity(w, Thing, body.thing('B thing', false)), 'b');
      await rejectsWith(
        f.write(
          (w) =>
            createEntity(
              w,
              Datastream,
              body.datastream({ Thing: { '@iot.id': thingB }, Sensor: { '@iot.id': sensorId } }),
            ),
          'b',
        ),
        { status: 400, field: 'Sensor', message: new RegExp(`Sensor ${sensorId} does not exist`) },
      );
      await rejectsWith(
        f.write(
          (w) =>
            createEntity(w, Datastream, body.datastream(), {
              relation: staRegistry.relation(Datastream, 'Thing')!,
              id: thingB,
            }),
          'a',
        ),
        { status: 404 },
      );
      assert.equal(await f.count('sta_datastreams', 'b'), 0);
    });
  });
}
