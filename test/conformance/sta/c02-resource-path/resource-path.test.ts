/**
 * Conformance class "resource-path" (OGC 18-088 Annex A.2, §9.2): entity sets, entities by id, navigation
 * paths (to-many, to-one, with ids), properties, `$value`, `$ref`; 404 for what does not exist (also an
 * existing entity under the wrong parent) and 400 for an id that is not an integer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertProblem } from '../../../support/assert-problem.ts';
import {
  EXAMPLES,
  type Json,
  MEASUREMENT,
  type StaClient,
  staClient,
  startStaSuite,
} from '../support/sta-client.ts';

describe('STA conformance: resource path (18-088 §9.2)', () => {
  let sta: StaClient & { dispose(): Promise<void> };
  let thing: number;
  let otherThing: number;
  let location: number;
  let historical: number;
  let ds1: number;
  let ds2: number;
  let otherDs: number;
  let sensor: number;
  let prop: number;
  let foi: number;
  let obs: number[];

  before(async () => {
    sta = await startStaSuite();
    sensor = await sta.create('Sensors', EXAMPLES.Sensor);
    prop = await sta.create('ObservedProperties', EXAMPLES.ObservedProperty);
    foi = await sta.create('FeaturesOfInterest', EXAMPLES.FeatureOfInterest);
    const stream = (name: string) => ({
      name,
      description: `${name} stream`,
      observationType: MEASUREMENT,
      unitOfMeasurement: EXAMPLES.Datastream.unitOfMeasurement,
      Sensor: { '@iot.id': sensor },
      ObservedProperty: { '@iot.id': prop },
    });
    thing = await sta.create('Things', {
      ...EXAMPLES.Thing,
      Locations: [EXAMPLES.Location],
      Datastreams: [stream('first'), stream('second')],
    });
    otherThing = await sta.create('Things', {
      name: 'Fridge',
      description: 'A cold box',
      Datastreams: [stream('other')],
    });
    location = (await sta.ids(`Things(${thing})/Locations`))[0]!;
    historical = (await sta.ids(`Things(${thing})/HistoricalLocations`))[0]!;
    const streams = await sta.ids(`Things(${thing})/Datastreams?$orderby=name`);
    ds1 = streams[0]!;
    ds2 = streams[1]!;
    otherDs = (await sta.ids(`Things(${otherThing})/Datastreams`))[0]!;
    obs = [];
    for (const result of [70.4, 'hot', null]) {
      obs.push(
        await sta.create(`Datastreams(${ds1})/Observations`, {
          ...EXAMPLES.Observation,
          result,
          FeatureOfInterest: { '@iot.id': foi },
        }),
      );
    }
  });
  after(() => sta?.dispose());

  test('the service root lists the entity sets; each set URL answers with a value array', async () => {
    const root = await sta.ok('');
    const names = root.value.map((v: Json) => v.name);
    for (const set of [
      'Things',
      'Locations',
      'HistoricalLocations',
      'Datastreams',
      'Sensors',
      'ObservedProperties',
    ]) {
      assert.ok(names.includes(set), set);
    }
    for (const v of root.value) assert.ok(Array.isArray((await sta.ok(sta.relative(v.url))).value), v.url);
  });

  test('an entity set is a JSON object with a value array; an entity is the entity itself', async () => {
    const set = await sta.ok('Things');
    assert.deepEqual(
      set.value.map((t: Json) => t['@iot.id']),
      [thing, otherThing],
    );
    const one = await sta.ok(`Things(${thing})`);
    assert.equal(one.value, undefined);
    assert.equal(one['@iot.id'], thing);
    assert.equal(one.name, 'Oven');
  });

  test('to-many navigation: Things(id)/Datastreams, /Locations, /HistoricalLocations, Datastreams(id)/Observations', async () => {
    assert.deepEqual(
      await sta.ids(`Things(${thing})/Datastreams?$orderby=id`),
      [ds1, ds2].sort((a, b) => a - b),
    );
    assert.deepEqual(await sta.ids(`Things(${thing})/Locations`), [location]);
    assert.deepEqual(await sta.ids(`Things(${thing})/HistoricalLocations`), [historical]);
    assert.deepEqual(await sta.ids(`Datastreams(${ds1})/Observations?$orderby=id`), obs);
    assert.deepEqual(await sta.ids(`Datastreams(${ds2})/Observations`), []);
    assert.deepEqual(await sta.ids(`Locations(${location})/Things`), [thing]);
    assert.deepEqual(
      await sta.ids(`Sensors(${sensor})/Datastreams?$orderby=id`),
      [ds1, ds2, otherDs].sort((a, b) => a - b),
    );
    assert.deepEqual(await sta.ids(`FeaturesOfInterest(${foi})/Observations?$orderby=id`), obs);
  });

  test('an empty navigation collection is {"value": []}', async () => {
    const body = await sta.ok(`Things(${otherThing})/Locations`);
    assert.deepEqual(body.value, []);
  });

  test('to-one navigation: Datastreams(id)/Thing, /Sensor, /ObservedProperty, Observations(id)/FeatureOfInterest', async () => {
    assert.equal((await sta.ok(`Datastreams(${ds1})/Thing`))['@iot.id'], thing);
    assert.equal((await sta.ok(`Datastreams(${ds1})/Sensor`))['@iot.id'], sensor);
    assert.equal((await sta.ok(`Datastreams(${ds1})/ObservedProperty`))['@iot.id'], prop);
    assert.equal((await sta.ok(`Observations(${obs[0]})/Datastream`))['@iot.id'], ds1);
    assert.equal((await sta.ok(`Observations(${obs[0]})/FeatureOfInterest`))['@iot.id'], foi);
    assert.equal((await sta.ok(`HistoricalLocations(${historical})/Thing`))['@iot.id'], thing);
    const viaNav = await sta.ok(`Datastreams(${ds1})/Thing`);
    assert.equal(viaNav['@iot.selfLink'], `${sta.base}/Things(${thing})`, 'the selfLink is canonical');
  });

  test('longer paths: Things(1)/Datastreams(2)/Observations, Observations(1)/Datastream/Thing/Locations', async () => {
    assert.deepEqual(await sta.ids(`Things(${thing})/Datastreams(${ds1})/Observations?$orderby=id`), obs);
    assert.equal((await sta.ok(`Things(${thing})/Datastreams(${ds2})`))['@iot.id'], ds2);
    assert.equal((await sta.ok(`Observations(${obs[0]})/Datastream/Thing`))['@iot.id'], thing);
    assert.deepEqual(await sta.ids(`Observations(${obs[0]})/Datastream/Thing/Locations`), [location]);
    assert.deepEqual(
      await sta.ids(`Datastreams(${ds1})/Thing/Datastreams?$orderby=id`),
      [ds1, ds2].sort((a, b) => a - b),
    );
    assert.equal(
      (await sta.ok(`Things(${thing})/Datastreams(${ds1})/Observations(${obs[1]})`))['@iot.id'],
      obs[1],
    );
    assert.equal(
      (await sta.ok(`Locations(${location})/HistoricalLocations(${historical})/Thing`))['@iot.id'],
      thing,
    );
  });

  test('query options apply to the last segment of a navigation path', async () => {
    const body = await sta.ok(`Things(${thing})/Datastreams?$filter=name eq 'second'&$select=name`);
    assert.deepEqual(body.value, [{ name: 'second' }]);
  });

  test('a property: {"<name>": value} (§9.2.4)', async () => {
    assert.deepEqual(await sta.ok(`Things(${thing})/name`), { name: 'Oven' });
    assert.deepEqual(await sta.ok(`Things(${thing})/properties`), { properties: EXAMPLES.Thing.properties });
    assert.deepEqual(await sta.ok(`Datastreams(${ds1})/unitOfMeasurement`), {
      unitOfMeasurement: EXAMPLES.Datastream.unitOfMeasurement,
    });
    assert.deepEqual(await sta.ok(`Observations(${obs[0]})/result`), { result: 70.4 });
    assert.deepEqual(await sta.ok(`Datastreams(${ds1})/Thing/name`), { name: 'Oven' });
    assert.deepEqual(await sta.ok(`Locations(${location})/location`), {
      location: EXAMPLES.Location.location,
    });
  });

  test('a property $value: the raw value as text (§9.2.5)', async () => {
    const name = await sta.get(`Things(${thing})/name/$value`);
    assert.equal(name.status, 200);
    assert.match(String(name.headers['content-type']), /^text\/plain/);
    assert.equal(name.text, 'Oven');
    const result = await sta.get(`Observations(${obs[0]})/result/$value`);
    assert.equal(result.status, 200);
    assert.equal(result.text, '70.4');
    assert.equal((await sta.get(`Observations(${obs[1]})/result/$value`)).text, 'hot');
    const json = await sta.get(`Things(${thing})/properties/$value`);
    assert.deepEqual(JSON.parse(json.text), EXAMPLES.Thing.properties);
    const nothing = await sta.get(`Observations(${obs[2]})/result/$value`);
    assert.equal(nothing.status, 204, 'the $value of null is No Content');
    assert.equal(nothing.text, '');
  });

  test('$ref: links instead of entities (§9.2.6)', async () => {
    const many = await sta.ok(`Things(${thing})/Datastreams/$ref?$orderby=id`);
    assert.deepEqual(
      many.value,
      [ds1, ds2].sort((a, b) => a - b).map((id) => ({ '@iot.selfLink': `${sta.base}/Datastreams(${id})` })),
    );
    assert.deepEqual(await sta.ok(`Datastreams(${ds1})/Thing/$ref`), {
      '@iot.selfLink': `${sta.base}/Things(${thing})`,
    });
    // The nextLink of a paged $ref keeps the query: following it continues the same filtered, ordered list.
    const paged = await sta.ok(
      `Datastreams(${ds1})/Observations/$ref?$top=1&$orderby=id desc&$filter=id lt ${obs[2]}`,
    );
    assert.deepEqual(paged.value, [{ '@iot.selfLink': `${sta.base}/Observations(${obs[1]})` }]);
    assert.ok(paged['@iot.nextLink'], 'a paged $ref has a nextLink');
    const rest = await sta.all(sta.relative(paged['@iot.nextLink']));
    assert.deepEqual(
      rest.map((r) => r['@iot.selfLink']),
      [`${sta.base}/Observations(${obs[0]})`],
    );
  });

  test('404 for an unknown id, entity set, navigation property or property', async () => {
    const missing = [
      'Things(999999)',
      'Things(999999)/Datastreams',
      'Things(999999)/name',
      `Things(${thing})/Datastreams(999999)`,
      'Datastreams(999999)/Thing',
      'Stuff',
      'Thing',
      `Things(${thing})/Thing`,
      `Things(${thing})/Stuff`,
      `Things(${thing})/name/Stuff`,
      `Things(${thing})/name/$value/more`,
      'Things/name',
      'Things/Datastreams',
      `Datastreams(${ds1})/Thing(${thing})`,
    ];
    for (const path of missing) assertProblem(await sta.get(path), 404);
  });

  test('404 for an existing entity under the wrong parent', async () => {
    assertProblem(await sta.get(`Things(${otherThing})/Datastreams(${ds1})`), 404);
    assertProblem(await sta.get(`Things(${otherThing})/Datastreams(${ds1})/Observations`), 404);
    assertProblem(await sta.get(`Datastreams(${ds2})/Observations(${obs[0]})`), 404);
    assertProblem(await sta.get(`Things(${otherThing})/Locations(${location})`), 404);
    assertProblem(await sta.get(`Things(${otherThing})/Datastreams(${ds1})/name`), 404);
    assertProblem(await sta.get(`Things(${otherThing})/Datastreams(${ds1})/$ref`), 404);
    assertProblem(await sta.get(`Things(${otherThing})/Datastreams(${ds1})/Thing`), 404);
  });

  test('400 for an id that is not an integer', async () => {
    for (const bad of [
      'Things(abc)',
      "Things('1')",
      'Things(1.5)',
      'Things(-1)',
      'Things()',
      `Things(${thing})/Datastreams(x)`,
    ]) {
      const p = assertProblem(await sta.get(bad), 400);
      assert.match(p.detail, /id/i, bad);
    }
  });

  test('the same paths under /sta/v1.0 link to v1.0', async () => {
    const v10 = staClient(sta.platform, await sta.platform.adminToken(), '/sta/v1.0');
    const t = await v10.ok(`Things(${thing})`);
    assert.equal(t['@iot.selfLink'], `${v10.base}/Things(${thing})`);
    assert.equal(t['Datastreams@iot.navigationLink'], `${v10.base}/Things(${thing})/Datastreams`);
    assert.deepEqual(await v10.ids(`Things(${thing})/Locations`), [location]);
    const other = staClient(sta.platform, await sta.platform.adminToken(), '/sta/v2.0');
    assertProblem(await other.get('Things'), 404);
  });
});
