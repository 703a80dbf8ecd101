/**
 * Conformance class "create-update-delete" (OGC 18-088 Annex A.4, §10): POST with deep insert and links by
 * `@iot.id`, POST on navigation paths, PATCH, PUT, JSON Patch, DELETE with the standard's cascades, and the
 * service's own work: HistoricalLocations when a Thing's Location changes (§8.2.3), FeaturesOfInterest
 * generated from the Thing's Location (§10.2.1), Datastream phenomenonTime/resultTime/observedArea kept
 * current (§8.2.4). A rejected body is 400 naming the member, and writes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertProblem } from '../../../support/assert-problem.ts';
import {
  CELSIUS,
  countRows,
  datastreamBody,
  EXAMPLES,
  expectRejected,
  type Json,
  MEASUREMENT,
  type StaClient,
  sameInstant,
  sameInterval,
  startStaSuite,
  thingDeepInsertExample,
} from '../support/sta-client.ts';

const point = (x: number, y: number) => ({ type: 'Point', coordinates: [x, y] });
const location = (name: string, x: number, y: number) => ({
  ...EXAMPLES.Location,
  name,
  location: point(x, y),
});

describe('STA conformance: create, update, delete (18-088 §10)', () => {
  let sta: StaClient & { dispose(): Promise<void> };
  let sensor: number;
  let prop: number;

  before(async () => {
    sta = await startStaSuite();
    sensor = await sta.create('Sensors', EXAMPLES.Sensor);
    prop = await sta.create('ObservedProperties', EXAMPLES.ObservedProperty);
  });
  after(() => sta?.dispose());

  /** A Thing (optionally at a Location) with one Datastream; returns both ids. */
  const thingWithStream = async (name: string, at?: [number, number]) => {
    const thing = await sta.create('Things', {
      name,
      description: `${name} thing`,
      ...(at ? { Locations: [location(`${name} place`, at[0], at[1])] } : {}),
      Datastreams: [
        {
          ...EXAMPLES.Datastream,
          name: `${name} stream`,
          Sensor: { '@iot.id': sensor },
          ObservedProperty: { '@iot.id': prop },
        },
      ],
    });
    const ds = (await sta.ids(`Things(${thing})/Datastreams`))[0]!;
    return { thing, ds };
  };

  describe('create (§10.2)', () => {
    test("deep insert: the standard's Thing with Location, Datastream, Sensor, ObservedProperty and Observations", async () => {
      const body = thingDeepInsertExample();
      const res = await sta.post('Things', body);
      assert.equal(res.status, 201, res.text);
      const id = res.body['@iot.id'];
      assert.equal(res.headers.location, `${sta.base}/Things(${id})`, 'Location header names the new entity');
      assert.equal(res.body['@iot.selfLink'], `${sta.base}/Things(${id})`);
      assert.equal(res.body.name, body.name);
      assert.deepEqual(res.body.properties, body.properties);

      const t = await sta.ok(
        `Things(${id})?$expand=Locations,HistoricalLocations($expand=Locations),Datastreams($expand=Sensor,ObservedProperty,Observations($orderby=phenomenonTime;$expand=FeatureOfInterest))`,
      );
      assert.equal(t.Locations.length, 1);
      assert.deepEqual(t.Locations[0].location, body.Locations[0].location);
      assert.equal(t.HistoricalLocations.length, 1, 'a HistoricalLocation for the initial Location');
      assert.deepEqual(
        t.HistoricalLocations[0].Locations.map((l: Json) => l['@iot.id']),
        [t.Locations[0]['@iot.id']],
      );
      assert.equal(t.Datastreams.length, 1);
      const ds = t.Datastreams[0];
      assert.equal(ds.name, 'Air Temperature DS');
      assert.deepEqual(ds.unitOfMeasurement, CELSIUS);
      assert.equal(ds.Sensor.name, 'DHT22');
      assert.equal(ds.ObservedProperty.name, 'Area Temperature');
      assert.deepEqual(
        ds.Observations.map((o: Json) => o.result),
        [21.5, 22.25],
      );
      // No FeatureOfInterest given: one is made from the Thing's Location, and shared by both Observations.
      const [f1, f2] = ds.Observations.map((o: Json) => o.FeatureOfInterest);
      assert.equal(f1['@iot.id'], f2['@iot.id']);
      assert.deepEqual(f1.feature, body.Locations[0].location);
      assert.match(f1.encodingType, /geo\+json/);
    });

    test('a deep insert with many inline Observations keeps their order, FeaturesOfInterest and links', async () => {
      const feature = { ...EXAMPLES.FeatureOfInterest, name: 'kerb', feature: point(7.1, 51.2) };
      const observations = Array.from({ length: 300 }, (_, i) => ({
        result: i,
        phenomenonTime: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(),
        // Every 100th brings its own FeatureOfInterest; every 50th links an existing one.
        ...(i % 100 === 7 ? { FeatureOfInterest: { ...feature, name: `kerb ${i}` } } : {}),
      }));
      const foi = await sta.create('FeaturesOfInterest', { ...feature, name: 'existing kerb' });
      for (let i = 25; i < 300; i += 50)
        Object.assign(observations[i]!, { FeatureOfInterest: { '@iot.id': foi } });
      const res = await sta.post(
        'Datastreams',
        datastreamBody('bulk deep insert', {
          Thing: { ...EXAMPLES.Thing, name: 'bulk thing', Locations: [location('bulk place', 7, 51)] },
          Observations: observations,
        }),
      );
      assert.equal(res.status, 201, res.text);
      const ds = res.body['@iot.id'];
      const got = await sta.ok(
        `Datastreams(${ds})/Observations?$orderby=id&$top=1000&$expand=FeatureOfInterest($select=name)`,
      );
      assert.deepEqual(
        got.value.map((o: Json) => o.result),
        observations.map((o) => o.result),
        'created in the order sent',
      );
      const names = got.value.map((o: Json) => o.FeatureOfInterest.name);
      assert.equal(names[7], 'kerb 7');
      assert.equal(names[25], 'existing kerb');
      assert.equal(
        new Set(names).size,
        3 + 1 + 1,
        'three inline, one linked, one generated from the Location',
      );
      const stream = await sta.ok(`Datastreams(${ds})`);
      sameInterval(stream.phenomenonTime, observations[0]!.phenomenonTime, observations[299]!.phenomenonTime);
    });

    test('links to existing entities by {"@iot.id": n}', async () => {
      const thing = await sta.create('Things', EXAMPLES.Thing);
      const ds = await sta.create('Datastreams', {
        ...EXAMPLES.Datastream,
        Thing: { '@iot.id': thing },
        Sensor: { '@iot.id': sensor },
        ObservedProperty: { '@iot.id': prop },
      });
      assert.equal((await sta.ok(`Datastreams(${ds})/Thing`))['@iot.id'], thing);
      assert.equal((await sta.ok(`Datastreams(${ds})/Sensor`))['@iot.id'], sensor);
      const loc = await sta.create('Locations', location('linked', 1, 1));
      const t2 = await sta.create('Things', { ...EXAMPLES.Thing, Locations: [{ '@iot.id': loc }] });
      assert.deepEqual(await sta.ids(`Things(${t2})/Locations`), [loc]);
      const foi = await sta.create('FeaturesOfInterest', EXAMPLES.FeatureOfInterest);
      const obs = await sta.create('Observations', {
        result: 1,
        Datastream: { '@iot.id': ds },
        FeatureOfInterest: { '@iot.id': foi },
      });
      assert.equal((await sta.ok(`Observations(${obs})/FeatureOfInterest`))['@iot.id'], foi);
    });

    test('POST on a navigation path links the new entity to the parent', async () => {
      const thing = await sta.create('Things', EXAMPLES.Thing);
      const ds = await sta.create(`Things(${thing})/Datastreams`, {
        ...EXAMPLES.Datastream,
        Sensor: { '@iot.id': sensor },
        ObservedProperty: { '@iot.id': prop },
      });
      assert.equal((await sta.ok(`Datastreams(${ds})/Thing`))['@iot.id'], thing);
      const loc = await sta.create(`Things(${thing})/Locations`, location('posted', 2, 2));
      assert.deepEqual(await sta.ids(`Things(${thing})/Locations`), [loc]);
      assert.equal((await sta.ids(`Things(${thing})/HistoricalLocations`)).length, 1);
      const foi = await sta.create('FeaturesOfInterest', EXAMPLES.FeatureOfInterest);
      const o1 = await sta.create(`Datastreams(${ds})/Observations`, {
        result: 1,
        FeatureOfInterest: { '@iot.id': foi },
      });
      assert.equal((await sta.ok(`Observations(${o1})/Datastream`))['@iot.id'], ds);
      const o2 = await sta.create(`FeaturesOfInterest(${foi})/Observations`, {
        result: 2,
        Datastream: { '@iot.id': ds },
      });
      assert.equal((await sta.ok(`Observations(${o2})/FeatureOfInterest`))['@iot.id'], foi);
      const o3 = await sta.create(`Things(${thing})/Datastreams(${ds})/Observations`, {
        result: 3,
        FeatureOfInterest: { '@iot.id': foi },
      });
      assert.equal((await sta.ok(`Observations(${o3})/Datastream`))['@iot.id'], ds);
    });

    test('POST under a parent that does not exist is 404 and writes nothing', async () => {
      const before = await countRows(sta.platform);
      assertProblem(await sta.post('Things(999999)/Datastreams', datastreamBody('orphan')), 404);
      assertProblem(await sta.post('Datastreams(999999)/Observations', { result: 1 }), 404);
      assert.deepEqual(await countRows(sta.platform), before);
    });

    test('a link to an entity that does not exist is 400 naming the member, and writes nothing', async () => {
      await expectRejected(
        sta,
        () => sta.post('Datastreams', { ...datastreamBody('bad link'), Thing: { '@iot.id': 999999 } }),
        'Thing',
      );
      await expectRejected(
        sta,
        () => sta.post('Things', { ...thingDeepInsertExample(), Locations: [{ '@iot.id': 999999 }] }),
        'Locations[0]',
      );
      await expectRejected(
        sta,
        () => sta.post('Observations', { result: 1, Datastream: { '@iot.id': 999999 } }),
        'Datastream',
      );
    });

    test('a bad member deep inside a deep insert is 400 naming its path, and nothing is written', async () => {
      const noEncoding = thingDeepInsertExample();
      delete noEncoding.Datastreams[0].Sensor.encodingType;
      await expectRejected(sta, () => sta.post('Things', noEncoding), 'Datastreams[0].Sensor.encodingType');
      const badGeometry = thingDeepInsertExample();
      badGeometry.Locations[0].location = { type: 'Point', coordinates: ['x', 1] };
      await expectRejected(sta, () => sta.post('Things', badGeometry), 'Locations[0].location');
      const badTime = thingDeepInsertExample();
      badTime.Datastreams[0].Observations[1].phenomenonTime = '2020-13-45T00:00:00Z';
      await expectRejected(
        sta,
        () => sta.post('Things', badTime),
        'Datastreams[0].Observations[1].phenomenonTime',
      );
      const badUnit = thingDeepInsertExample();
      badUnit.Datastreams[0].unitOfMeasurement = 'degC';
      await expectRejected(sta, () => sta.post('Things', badUnit), 'Datastreams[0].unitOfMeasurement');
    });

    test('bad bodies are 400 naming the field, and write nothing', async () => {
      const cases: Array<[string, unknown, string]> = [
        ['Things', { description: 'no name' }, 'name'],
        ['Things', { ...EXAMPLES.Thing, colour: 'red' }, 'colour'],
        ['Things', { ...EXAMPLES.Thing, Datastreams: {} }, 'Datastreams'],
        ['Things', { ...EXAMPLES.Thing, Locations: ['x'] }, 'Locations[0]'],
        [
          'Datastreams',
          { ...EXAMPLES.Datastream, Sensor: { '@iot.id': sensor }, ObservedProperty: { '@iot.id': prop } },
          'Thing',
        ],
        ['Datastreams', { ...datastreamBody('x'), Sensor: undefined }, 'Sensor'],
        ['Observations', { result: 1 }, 'Datastream'],
        ['Observations', { phenomenonTime: '2020-01-01', Datastream: { '@iot.id': 1 } }, 'result'],
        ['Locations', { ...EXAMPLES.Location, encodingType: 'text/csv' }, 'encodingType'],
        ['Things', [EXAMPLES.Thing], ''],
      ];
      for (const [set, body, field] of cases) {
        await expectRejected(sta, () => sta.post(set, body), field === '' ? /body|object/i : field);
      }
      const before = await countRows(sta.platform);
      assertProblem(await sta.post('Things', '{"name": "x",'), 400);
      assert.deepEqual(await countRows(sta.platform), before);
    });
  });

  describe('update (§10.3)', () => {
    test('PATCH changes only the given properties; properties is replaced as a whole', async () => {
      const id = await sta.create('Things', EXAMPLES.Thing);
      const res = await sta.patch(`Things(${id})`, { name: 'New oven', properties: { color: 'Red' } });
      assert.equal(res.status, 200, res.text);
      const t = await sta.ok(`Things(${id})`);
      assert.equal(t.name, 'New oven');
      assert.equal(t.description, EXAMPLES.Thing.description);
      assert.deepEqual(t.properties, { color: 'Red' });
    });

    test('PATCH relinks a to-one relation by @iot.id', async () => {
      const { ds } = await thingWithStream('relink');
      const other = await sta.create('Sensors', { ...EXAMPLES.Sensor, name: 'other sensor' });
      assert.equal((await sta.patch(`Datastreams(${ds})`, { Sensor: { '@iot.id': other } })).status, 200);
      assert.equal((await sta.ok(`Datastreams(${ds})/Sensor`))['@iot.id'], other);
      await expectRejected(
        sta,
        () => sta.patch(`Datastreams(${ds})`, { Sensor: { '@iot.id': 999999 } }),
        'Sensor',
      );
      assert.equal((await sta.ok(`Datastreams(${ds})/Sensor`))['@iot.id'], other);
    });

    test('PATCH with a bad body is 400 naming the field and changes nothing', async () => {
      const id = await sta.create('Things', EXAMPLES.Thing);
      const before = await sta.ok(`Things(${id})`);
      await expectRejected(sta, () => sta.patch(`Things(${id})`, { name: null }), 'name');
      await expectRejected(sta, () => sta.patch(`Things(${id})`, { name: 'ok', colour: 'red' }), 'colour');
      await expectRejected(sta, () => sta.patch(`Things(${id})`, { properties: 'x' }), 'properties');
      await expectRejected(
        sta,
        () => sta.patch(`Things(${id})`, { Datastreams: [{ name: 'inline is not an update' }] }),
        'Datastreams[0]',
      );
      assert.deepEqual(await sta.ok(`Things(${id})`), before);
    });

    test('PATCH, PUT and DELETE of an entity that does not exist are 404', async () => {
      assertProblem(await sta.patch('Things(999999)', { name: 'x' }), 404);
      assertProblem(await sta.put('Things(999999)', EXAMPLES.Thing), 404);
      assertProblem(await sta.del('Things(999999)'), 404);
    });

    test('PUT replaces the entity: omitted optional properties are cleared, mandatory ones required', async () => {
      const id = await sta.create('Things', EXAMPLES.Thing);
      const res = await sta.put(`Things(${id})`, { name: 'Replaced', description: 'All new' });
      assert.equal(res.status, 200, res.text);
      const t = await sta.ok(`Things(${id})`);
      assert.equal(t.name, 'Replaced');
      assert.equal(t.description, 'All new');
      assert.ok(t.properties == null, 'properties cleared by PUT');
      await expectRejected(sta, () => sta.put(`Things(${id})`, { name: 'no description' }), 'description');
    });

    test('JSON Patch (application/json-patch+json, RFC 6902)', async () => {
      const id = await sta.create('Things', EXAMPLES.Thing);
      const res = await sta.patch(
        `Things(${id})`,
        [
          { op: 'replace', path: '/name', value: 'Patched oven' },
          { op: 'add', path: '/properties/room', value: 'kitchen' },
          { op: 'remove', path: '/properties/color' },
          { op: 'copy', from: '/properties/owner', path: '/properties/previousOwner' },
          { op: 'test', path: '/properties/owner', value: 'Noah Liang' },
        ],
        'application/json-patch+json',
      );
      assert.equal(res.status, 200, res.text);
      const t = await sta.ok(`Things(${id})`);
      assert.equal(t.name, 'Patched oven');
      assert.deepEqual(t.properties, { owner: 'Noah Liang', room: 'kitchen', previousOwner: 'Noah Liang' });
      // A failed test operation applies nothing of the patch.
      const failed = await sta.patch(
        `Things(${id})`,
        [
          { op: 'replace', path: '/name', value: 'Not applied' },
          { op: 'test', path: '/name', value: 'Something else' },
        ],
        'application/json-patch+json',
      );
      assert.ok([400, 409].includes(failed.status), `failed test op: ${failed.status}`);
      assertProblem(failed, failed.status);
      assert.equal((await sta.ok(`Things(${id})`)).name, 'Patched oven');
      const badOp = assertProblem(
        await sta.patch(`Things(${id})`, [{ op: 'jump', path: '/name' }], 'application/json-patch+json'),
        400,
      );
      assert.match(`${badOp.field} ${badOp.detail}`, /op/);
    });
  });

  describe('delete (§10.4) and the standard cascades', () => {
    test('DELETE removes the entity: 200, then 404', async () => {
      const id = await sta.create('Things', EXAMPLES.Thing);
      const res = await sta.del(`Things(${id})`);
      assert.equal(res.status, 200, res.text);
      assertProblem(await sta.get(`Things(${id})`), 404);
    });

    test('Thing: its Datastreams (and their Observations) and HistoricalLocations go; its Locations stay', async () => {
      const { thing, ds } = await thingWithStream('doomed', [3, 3]);
      const loc = (await sta.ids(`Things(${thing})/Locations`))[0]!;
      const hl = (await sta.ids(`Things(${thing})/HistoricalLocations`))[0]!;
      const obs = await sta.create(`Datastreams(${ds})/Observations`, { result: 1 });
      assert.equal((await sta.del(`Things(${thing})`)).status, 200);
      assertProblem(await sta.get(`Datastreams(${ds})`), 404);
      assertProblem(await sta.get(`Observations(${obs})`), 404);
      assertProblem(await sta.get(`HistoricalLocations(${hl})`), 404);
      assert.equal((await sta.ok(`Locations(${loc})`))['@iot.id'], loc);
      assert.equal((await sta.ok(`Sensors(${sensor})`))['@iot.id'], sensor, 'the Sensor stays');
    });

    test('Datastream: its Observations go; Thing, Sensor and FeatureOfInterest stay', async () => {
      const { thing, ds } = await thingWithStream('stream-delete', [4, 4]);
      const obs = await sta.create(`Datastreams(${ds})/Observations`, { result: 1 });
      const foi = (await sta.ok(`Observations(${obs})/FeatureOfInterest`))['@iot.id'];
      assert.equal((await sta.del(`Datastreams(${ds})`)).status, 200);
      assertProblem(await sta.get(`Observations(${obs})`), 404);
      await sta.ok(`Things(${thing})`);
      await sta.ok(`FeaturesOfInterest(${foi})`);
    });

    test('Sensor and ObservedProperty: their Datastreams (and Observations) go', async () => {
      const s = await sta.create('Sensors', { ...EXAMPLES.Sensor, name: 'short-lived' });
      const p = await sta.create('ObservedProperties', { ...EXAMPLES.ObservedProperty, name: 'short-lived' });
      const thing = await sta.create('Things', EXAMPLES.Thing);
      const link = { Thing: { '@iot.id': thing }, Sensor: { '@iot.id': s } };
      const bySensor = await sta.create('Datastreams', {
        ...EXAMPLES.Datastream,
        ...link,
        ObservedProperty: { '@iot.id': prop },
      });
      const byProp = await sta.create('Datastreams', {
        ...EXAMPLES.Datastream,
        Thing: { '@iot.id': thing },
        Sensor: { '@iot.id': sensor },
        ObservedProperty: { '@iot.id': p },
      });
      const foi = await sta.create('FeaturesOfInterest', EXAMPLES.FeatureOfInterest);
      const obs = await sta.create(`Datastreams(${bySensor})/Observations`, {
        result: 1,
        FeatureOfInterest: { '@iot.id': foi },
      });
      assert.equal((await sta.del(`Sensors(${s})`)).status, 200);
      assertProblem(await sta.get(`Datastreams(${bySensor})`), 404);
      assertProblem(await sta.get(`Observations(${obs})`), 404);
      await sta.ok(`Datastreams(${byProp})`);
      assert.equal((await sta.del(`ObservedProperties(${p})`)).status, 200);
      assertProblem(await sta.get(`Datastreams(${byProp})`), 404);
      await sta.ok(`Things(${thing})`);
    });

    test('FeatureOfInterest: its Observations go', async () => {
      const { ds } = await thingWithStream('foi-delete');
      const foi = await sta.create('FeaturesOfInterest', EXAMPLES.FeatureOfInterest);
      const obs = await sta.create(`Datastreams(${ds})/Observations`, {
        result: 1,
        FeatureOfInterest: { '@iot.id': foi },
      });
      assert.equal((await sta.del(`FeaturesOfInterest(${foi})`)).status, 200);
      assertProblem(await sta.get(`Observations(${obs})`), 404);
      await sta.ok(`Datastreams(${ds})`);
    });

    test('Location: HistoricalLocations that have no other Location go; the Thing stays', async () => {
      const thing = await sta.create('Things', { ...EXAMPLES.Thing, Locations: [location('only', 5, 5)] });
      const loc = (await sta.ids(`Things(${thing})/Locations`))[0]!;
      const hl = (await sta.ids(`Things(${thing})/HistoricalLocations`))[0]!;
      assert.equal((await sta.del(`Locations(${loc})`)).status, 200);
      assertProblem(await sta.get(`HistoricalLocations(${hl})`), 404);
      assert.deepEqual(await sta.ids(`Things(${thing})/Locations`), []);
      await sta.ok(`Things(${thing})`);
    });

    test('Observation and HistoricalLocation: only the entity goes', async () => {
      const { thing, ds } = await thingWithStream('single', [6, 6]);
      const obs = await sta.create(`Datastreams(${ds})/Observations`, { result: 1 });
      const foi = (await sta.ok(`Observations(${obs})/FeatureOfInterest`))['@iot.id'];
      assert.equal((await sta.del(`Observations(${obs})`)).status, 200);
      await sta.ok(`Datastreams(${ds})`);
      await sta.ok(`FeaturesOfInterest(${foi})`);
      const hl = (await sta.ids(`Things(${thing})/HistoricalLocations`))[0]!;
      assert.equal((await sta.del(`HistoricalLocations(${hl})`)).status, 200);
      await sta.ok(`Things(${thing})`);
      assert.equal((await sta.ids(`Things(${thing})/Locations`)).length, 1);
    });
  });

  describe('$ref: links between existing entities', () => {
    test('add and remove a link with POST and DELETE on …/$ref', async () => {
      const thing = await sta.create('Things', EXAMPLES.Thing);
      const loc = await sta.create('Locations', location('ref', 7, 7));
      const add = await sta.post(`Things(${thing})/Locations/$ref`, {
        '@iot.selfLink': `${sta.base}/Locations(${loc})`,
      });
      assert.ok([200, 201, 204].includes(add.status), `POST $ref: ${add.status} ${add.text}`);
      assert.deepEqual(await sta.ids(`Things(${thing})/Locations`), [loc]);
      assert.equal(
        (await sta.ids(`Things(${thing})/HistoricalLocations`)).length,
        1,
        'linking a Location is a move',
      );
      const del = await sta.del(`Things(${thing})/Locations(${loc})/$ref`);
      assert.ok([200, 204].includes(del.status), `DELETE $ref: ${del.status} ${del.text}`);
      assert.deepEqual(await sta.ids(`Things(${thing})/Locations`), []);
      await sta.ok(`Locations(${loc})`);
      await expectRejected(
        sta,
        () => sta.post(`Things(${thing})/Locations/$ref`, { '@iot.id': 999999 }),
        '@iot.id',
      );
    });
  });

  describe('HistoricalLocations (§8.2.3): created when a Thing gets a new Location', () => {
    test('creating a Thing with a Location, PATCHing its Locations, creating a Location for it', async () => {
      const thing = await sta.create('Things', { ...EXAMPLES.Thing, Locations: [location('first', 10, 10)] });
      const first = (await sta.ids(`Things(${thing})/Locations`))[0]!;
      const hls = () => sta.all(`Things(${thing})/HistoricalLocations?$orderby=time,id&$expand=Locations`);
      assert.equal((await hls()).length, 1);

      const second = await sta.create('Locations', location('second', 11, 11));
      assert.equal((await sta.patch(`Things(${thing})`, { Locations: [{ '@iot.id': second }] })).status, 200);
      assert.deepEqual(
        await sta.ids(`Things(${thing})/Locations`),
        [second],
        'the new Location replaces the old one',
      );
      let history = await hls();
      assert.equal(history.length, 2);
      assert.deepEqual(
        history.map((h) => h.Locations.map((l: Json) => l['@iot.id'])),
        [[first], [second]],
      );
      for (const h of history) assert.ok(Math.abs(Date.parse(h.time) - Date.now()) < 10 * 60_000, h.time);

      const third = await sta.create(`Things(${thing})/Locations`, location('third', 12, 12));
      assert.deepEqual(await sta.ids(`Things(${thing})/Locations`), [third]);
      history = await hls();
      assert.equal(history.length, 3);
      assert.deepEqual(
        history.at(-1)!.Locations.map((l: Json) => l['@iot.id']),
        [third],
      );

      const fourth = await sta.create('Locations', {
        ...location('fourth', 13, 13),
        Things: [{ '@iot.id': thing }],
      });
      assert.deepEqual(await sta.ids(`Things(${thing})/Locations`), [fourth]);
      assert.equal((await hls()).length, 4);

      // Changing something else about the Thing records no movement.
      await sta.patch(`Things(${thing})`, { name: 'still here' });
      assert.equal((await hls()).length, 4);
    });
  });

  describe('FeaturesOfInterest generated from the Location (§10.2.1)', () => {
    test('an Observation without FeatureOfInterest gets one from the Thing’s Location, reused while it is the same', async () => {
      const { thing, ds } = await thingWithStream('foi', [20, 30]);
      const o1 = await sta.create(`Datastreams(${ds})/Observations`, { result: 1 });
      const o2 = await sta.create(`Datastreams(${ds})/Observations`, { result: 2 });
      const f1 = await sta.ok(`Observations(${o1})/FeatureOfInterest`);
      const f2 = await sta.ok(`Observations(${o2})/FeatureOfInterest`);
      assert.equal(f1['@iot.id'], f2['@iot.id'], 'an identical FeatureOfInterest is reused');
      assert.deepEqual(f1.feature, point(20, 30));
      assert.match(f1.encodingType, /geo\+json/);

      // Another Thing at an identical Location (same name, description and geometry) shares it too.
      const twin = await sta.create('Things', {
        name: 'twin',
        description: 'twin',
        Locations: [location('foi place', 20, 30)],
      });
      const twinDs = await sta.create(`Things(${twin})/Datastreams`, {
        ...EXAMPLES.Datastream,
        Sensor: { '@iot.id': sensor },
        ObservedProperty: { '@iot.id': prop },
      });
      const o3 = await sta.create(`Datastreams(${twinDs})/Observations`, { result: 3 });
      assert.equal((await sta.ok(`Observations(${o3})/FeatureOfInterest`))['@iot.id'], f1['@iot.id']);

      // The Thing moves: new Observations are about the new place.
      const moved = await sta.create('Locations', location('moved', 21, 31));
      await sta.patch(`Things(${thing})`, { Locations: [{ '@iot.id': moved }] });
      const o4 = await sta.create(`Datastreams(${ds})/Observations`, { result: 4 });
      const f4 = await sta.ok(`Observations(${o4})/FeatureOfInterest`);
      assert.notEqual(f4['@iot.id'], f1['@iot.id']);
      assert.deepEqual(f4.feature, point(21, 31));
      assert.equal(
        (await sta.ok(`Observations(${o1})/FeatureOfInterest`))['@iot.id'],
        f1['@iot.id'],
        'old ones keep theirs',
      );
    });

    test('no FeatureOfInterest and a Thing without Location: 400 naming FeatureOfInterest', async () => {
      const { ds } = await thingWithStream('nowhere');
      await expectRejected(
        sta,
        () => sta.post(`Datastreams(${ds})/Observations`, { result: 1 }),
        'FeatureOfInterest',
      );
    });
  });

  describe('Datastream phenomenonTime, resultTime and observedArea follow the Observations (§8.2.4)', () => {
    test('created, updated and deleted Observations keep them current', async () => {
      const { ds } = await thingWithStream('extents');
      const a = await sta.create('FeaturesOfInterest', {
        ...EXAMPLES.FeatureOfInterest,
        feature: point(0, 0),
      });
      const b = await sta.create('FeaturesOfInterest', {
        ...EXAMPLES.FeatureOfInterest,
        feature: point(2, 2),
      });
      const obs = (pt: string, rt: string | null, foi: number) =>
        sta.create(`Datastreams(${ds})/Observations`, {
          phenomenonTime: pt,
          resultTime: rt,
          result: 1,
          FeatureOfInterest: { '@iot.id': foi },
        });
      const o1 = await obs('2024-01-10T00:00:00Z', '2024-01-10T00:05:00Z', a);
      let d = await sta.ok(`Datastreams(${ds})`);
      sameInterval(d.phenomenonTime, '2024-01-10T00:00:00Z', '2024-01-10T00:00:00Z');
      sameInterval(d.resultTime, '2024-01-10T00:05:00Z', '2024-01-10T00:05:00Z');
      assert.deepEqual(d.observedArea, point(0, 0));

      const o2 = await obs('2024-01-05T00:00:00Z/2024-01-20T00:00:00Z', '2024-01-21T00:00:00Z', b);
      d = await sta.ok(`Datastreams(${ds})`);
      sameInterval(d.phenomenonTime, '2024-01-05T00:00:00Z', '2024-01-20T00:00:00Z');
      sameInterval(d.resultTime, '2024-01-10T00:05:00Z', '2024-01-21T00:00:00Z');
      assert.equal(d.observedArea.type, 'LineString', 'the hull of two points');
      assert.deepEqual([...d.observedArea.coordinates].sort(), [
        [0, 0],
        [2, 2],
      ]);

      await sta.patch(`Observations(${o2})`, {
        phenomenonTime: '2024-01-11T00:00:00Z',
        resultTime: '2024-01-11T00:00:00Z',
      });
      d = await sta.ok(`Datastreams(${ds})`);
      sameInterval(d.phenomenonTime, '2024-01-10T00:00:00Z', '2024-01-11T00:00:00Z');
      sameInterval(d.resultTime, '2024-01-10T00:05:00Z', '2024-01-11T00:00:00Z');

      assert.equal((await sta.del(`Observations(${o2})`)).status, 200);
      d = await sta.ok(`Datastreams(${ds})`);
      sameInterval(d.phenomenonTime, '2024-01-10T00:00:00Z', '2024-01-10T00:00:00Z');
      assert.deepEqual(d.observedArea, point(0, 0));

      assert.equal((await sta.del(`Observations(${o1})`)).status, 200);
      d = await sta.ok(`Datastreams(${ds})`);
      for (const k of ['phenomenonTime', 'resultTime', 'observedArea'])
        assert.ok(d[k] == null, `${k} after the last delete`);
    });

    test('a client cannot set them', async () => {
      const { ds } = await thingWithStream('readonly');
      const res = await sta.patch(`Datastreams(${ds})`, {
        phenomenonTime: '2000-01-01T00:00:00Z/2000-01-02T00:00:00Z',
      });
      assert.ok(res.status === 200 || res.status === 400, `${res.status}`);
      assert.ok((await sta.ok(`Datastreams(${ds})`)).phenomenonTime == null);
    });
  });

  test('a created entity reads back as it was sent (times normalised to UTC)', async () => {
    const { ds } = await thingWithStream('readback', [1, 2]);
    const res = await sta.post(`Datastreams(${ds})/Observations`, { ...EXAMPLES.Observation });
    assert.equal(res.status, 201);
    sameInstant(res.body.phenomenonTime, EXAMPLES.Observation.phenomenonTime);
    assert.equal(res.body.result, EXAMPLES.Observation.result);
    assert.deepEqual(res.body, await sta.ok(`Observations(${res.body['@iot.id']})`));
  });

  test('a Datastream observationType and unit round-trip through create and PATCH', async () => {
    const { ds } = await thingWithStream('unit');
    const unit = { name: 'Kelvin', symbol: 'K', definition: 'http://qudt.org/vocab/unit/K' };
    await sta.patch(`Datastreams(${ds})`, { unitOfMeasurement: unit, observationType: MEASUREMENT });
    assert.deepEqual((await sta.ok(`Datastreams(${ds})`)).unitOfMeasurement, unit);
  });
});
