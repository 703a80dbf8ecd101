/**
 * Conformance class "datamodel" (OGC 18-088 Annex A.1, §8): every entity type with its mandatory and
 * optional properties, the control information `@iot.id`, `@iot.selfLink` and `<Nav>@iot.navigationLink`
 * (§8.2, Table 2), and free-form `properties` objects. Entities are created from the examples of §8.2.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertProblem } from '../../../support/assert-problem.ts';
import {
  COMPLEX,
  datastreamBody,
  EXAMPLES,
  expectRejected,
  type Json,
  MEASUREMENT,
  type StaClient,
  sameInstant,
  sameInterval,
  startStaSuite,
} from '../support/sta-client.ts';

/** Entity types with their properties and navigation properties (§8.2 with the MultiDatastream extension, §14.2). */
const MODEL: Record<string, { set: string; mandatory: string[]; optional: string[]; nav: string[] }> = {
  Thing: {
    set: 'Things',
    mandatory: ['name', 'description'],
    optional: ['properties'],
    nav: ['Locations', 'HistoricalLocations', 'Datastreams', 'MultiDatastreams'],
  },
  Location: {
    set: 'Locations',
    mandatory: ['name', 'description', 'encodingType', 'location'],
    optional: ['properties'],
    nav: ['Things', 'HistoricalLocations'],
  },
  HistoricalLocation: {
    set: 'HistoricalLocations',
    mandatory: ['time'],
    optional: [],
    nav: ['Thing', 'Locations'],
  },
  Datastream: {
    set: 'Datastreams',
    mandatory: ['name', 'description', 'unitOfMeasurement', 'observationType'],
    optional: ['observedArea', 'phenomenonTime', 'resultTime', 'properties'],
    nav: ['Thing', 'Sensor', 'ObservedProperty', 'Observations'],
  },
  MultiDatastream: {
    set: 'MultiDatastreams',
    mandatory: ['name', 'description', 'unitOfMeasurements', 'observationType', 'multiObservationDataTypes'],
    optional: ['observedArea', 'phenomenonTime', 'resultTime', 'properties'],
    nav: ['Thing', 'Sensor', 'ObservedProperties', 'Observations'],
  },
  Sensor: {
    set: 'Sensors',
    mandatory: ['name', 'description', 'encodingType', 'metadata'],
    optional: ['properties'],
    nav: ['Datastreams', 'MultiDatastreams'],
  },
  ObservedProperty: {
    set: 'ObservedProperties',
    mandatory: ['name', 'definition', 'description'],
    optional: ['properties'],
    nav: ['Datastreams', 'MultiDatastreams'],
  },
  Observation: {
    set: 'Observations',
    mandatory: ['phenomenonTime', 'result', 'resultTime'],
    optional: ['resultQuality', 'validTime', 'parameters'],
    nav: ['Datastream', 'MultiDatastream', 'FeatureOfInterest'],
  },
  FeatureOfInterest: {
    set: 'FeaturesOfInterest',
    mandatory: ['name', 'description', 'encodingType', 'feature'],
    optional: ['properties'],
    nav: ['Observations'],
  },
};

/** A properties object exercising every JSON type, nesting and non-ASCII text. */
const RICH_PROPERTIES = {
  owner: 'Noah Liang',
  'key with spaces': 'ß ü 東京 🚲',
  count: 42,
  ratio: -0.125,
  big: 12345678901234,
  flag: false,
  nothing: null,
  list: [1, 'two', { three: 3 }, [4]],
  nested: { deeper: { deepest: ['x'] }, empty: {} },
};

describe('STA conformance: datamodel (18-088 §8)', () => {
  let sta: StaClient & { dispose(): Promise<void> };
  /** One entity of every type, by type name. */
  const ids: Record<string, number> = {};

  before(async () => {
    sta = await startStaSuite();
    ids.Thing = await sta.create('Things', { ...EXAMPLES.Thing, Locations: [EXAMPLES.Location] });
    ids.Location = (await sta.ids(`Things(${ids.Thing})/Locations`))[0]!;
    ids.HistoricalLocation = (await sta.ids(`Things(${ids.Thing})/HistoricalLocations`))[0]!;
    ids.Sensor = await sta.create('Sensors', EXAMPLES.Sensor);
    ids.ObservedProperty = await sta.create('ObservedProperties', EXAMPLES.ObservedProperty);
    ids.FeatureOfInterest = await sta.create('FeaturesOfInterest', EXAMPLES.FeatureOfInterest);
    ids.Datastream = await sta.create('Datastreams', {
      ...EXAMPLES.Datastream,
      Thing: { '@iot.id': ids.Thing },
      Sensor: { '@iot.id': ids.Sensor },
      ObservedProperty: { '@iot.id': ids.ObservedProperty },
    });
    ids.Observation = await sta.create('Observations', {
      ...EXAMPLES.Observation,
      Datastream: { '@iot.id': ids.Datastream },
      FeatureOfInterest: { '@iot.id': ids.FeatureOfInterest },
    });
    ids.MultiDatastream = await sta.create('MultiDatastreams', {
      name: 'Air quality readings',
      description: 'Air quality readings',
      observationType: COMPLEX,
      multiObservationDataTypes: [MEASUREMENT, MEASUREMENT],
      unitOfMeasurements: [
        { name: 'Dobson unit', symbol: 'DU', definition: 'http://dbpedia.org/page/Dobson_unit' },
        { name: 'Degree Celsius', symbol: 'degC', definition: 'http://dbpedia.org/page/Celsius' },
      ],
      Thing: { '@iot.id': ids.Thing },
      Sensor: { '@iot.id': ids.Sensor },
      ObservedProperties: [
        { '@iot.id': ids.ObservedProperty },
        { name: 'Ozone', definition: 'http://dbpedia.org/page/Ozone', description: 'Ozone column' },
      ],
    });
  });
  after(() => sta?.dispose());

  /** Control information and members of one entity as §8.2 and Table 2 require. */
  const checkEntity = (type: string, e: Json, id: number) => {
    const m = MODEL[type]!;
    const self = `${sta.base}/${m.set}(${id})`;
    assert.equal(e['@iot.id'], id, `${type} @iot.id`);
    assert.equal(e['@iot.selfLink'], self, `${type} @iot.selfLink`);
    // An Observation belongs to a Datastream or a MultiDatastream: only the relation that is set has a link.
    const unset =
      type === 'Observation' ? (e['Datastream@iot.navigationLink'] ? 'MultiDatastream' : 'Datastream') : '';
    for (const nav of m.nav.filter((n) => n !== unset)) {
      assert.equal(e[`${nav}@iot.navigationLink`], `${self}/${nav}`, `${type} ${nav}@iot.navigationLink`);
    }
    for (const p of m.mandatory) assert.ok(p in e, `${type} lacks mandatory ${p}: ${JSON.stringify(e)}`);
    const known = new Set([
      '@iot.id',
      '@iot.selfLink',
      ...m.mandatory,
      ...m.optional,
      ...m.nav.map((n) => `${n}@iot.navigationLink`),
    ]);
    for (const key of Object.keys(e)) assert.ok(known.has(key), `${type} has an unknown member ${key}`);
  };

  test('every entity, fetched by id, carries @iot.id, @iot.selfLink and a navigationLink per navigation property', async () => {
    for (const [type, id] of Object.entries(ids))
      checkEntity(type, await sta.ok(`${MODEL[type]!.set}(${id})`), id);
  });

  test('every entity set lists its entities with the same control information', async () => {
    for (const [type, id] of Object.entries(ids)) {
      const body = await sta.ok(MODEL[type]!.set);
      assert.ok(Array.isArray(body.value), `${type}: value is an array`);
      const e = body.value.find((x: Json) => x['@iot.id'] === id);
      assert.ok(e, `${MODEL[type]!.set} lists ${type} ${id}`);
      checkEntity(type, e, id);
    }
  });

  test('navigation links resolve to the related entities', async () => {
    const thing = await sta.ok(`Things(${ids.Thing})`);
    const locs = await sta.ok(sta.relative(thing['Locations@iot.navigationLink']));
    assert.deepEqual(
      locs.value.map((l: Json) => l['@iot.id']),
      [ids.Location],
    );
    const obs = await sta.ok(`Observations(${ids.Observation})`);
    const ds = await sta.ok(sta.relative(obs['Datastream@iot.navigationLink']));
    assert.equal(ds['@iot.id'], ids.Datastream);
    const foi = await sta.ok(sta.relative(obs['FeatureOfInterest@iot.navigationLink']));
    assert.equal(foi['@iot.id'], ids.FeatureOfInterest);
    const self = await sta.ok(sta.relative(obs['@iot.selfLink']));
    assert.equal(self['@iot.id'], ids.Observation);
  });

  test('Thing: name, description and properties as created (§8.2.1)', async () => {
    const t = await sta.ok(`Things(${ids.Thing})`);
    assert.equal(t.name, EXAMPLES.Thing.name);
    assert.equal(t.description, EXAMPLES.Thing.description);
    assert.deepEqual(t.properties, EXAMPLES.Thing.properties);
  });

  test('Location: encodingType and a GeoJSON location (§8.2.2)', async () => {
    const l = await sta.ok(`Locations(${ids.Location})`);
    for (const k of ['name', 'description', 'encodingType', 'location'] as const) {
      assert.deepEqual(l[k], EXAMPLES.Location[k], k);
    }
    // Every GeoJSON geometry type, and a Feature, round-trips unchanged.
    const shapes: Json[] = [
      {
        type: 'LineString',
        coordinates: [
          [-114.06, 51.05],
          [-114.07, 51.06],
        ],
      },
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 0],
            [1, 1],
            [0, 1],
            [0, 0],
          ],
        ],
      },
      {
        type: 'MultiPoint',
        coordinates: [
          [1, 2],
          [3, 4],
        ],
      },
      {
        type: 'MultiLineString',
        coordinates: [
          [
            [0, 0],
            [1, 1],
          ],
          [
            [2, 2],
            [3, 3],
          ],
        ],
      },
      {
        type: 'MultiPolygon',
        coordinates: [
          [
            [
              [0, 0],
              [1, 0],
              [1, 1],
              [0, 0],
            ],
          ],
        ],
      },
      { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [1, 2] }] },
      { type: 'Point', coordinates: [7.5, 51.5, 120.25] },
      { type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [-114.06, 51.05] } },
    ];
    for (const location of shapes) {
      const id = await sta.create('Locations', { ...EXAMPLES.Location, location });
      assert.deepEqual((await sta.ok(`Locations(${id})`)).location, location, location.type);
    }
    const legacy = await sta.create('Locations', {
      ...EXAMPLES.Location,
      encodingType: 'application/vnd.geo+json',
    });
    assert.equal((await sta.ok(`Locations(${legacy})`)).encodingType, 'application/vnd.geo+json');
  });

  test('HistoricalLocation: time is an ISO 8601 instant (§8.2.3)', async () => {
    const h = await sta.ok(`HistoricalLocations(${ids.HistoricalLocation})`);
    assert.match(h.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.ok(Math.abs(Date.parse(h.time) - Date.now()) < 10 * 60_000, `time ${h.time} is about now`);
  });

  test('Datastream: unitOfMeasurement, observationType; server-maintained times and area (§8.2.4)', async () => {
    const d = await sta.ok(`Datastreams(${ids.Datastream})`);
    assert.equal(d.name, EXAMPLES.Datastream.name);
    assert.equal(d.description, EXAMPLES.Datastream.description);
    assert.deepEqual(d.unitOfMeasurement, EXAMPLES.Datastream.unitOfMeasurement);
    assert.equal(d.observationType, MEASUREMENT);
    // One Observation so far: both intervals are that Observation's instants.
    sameInterval(d.phenomenonTime, EXAMPLES.Observation.phenomenonTime, EXAMPLES.Observation.phenomenonTime);
    sameInterval(d.resultTime, EXAMPLES.Observation.resultTime, EXAMPLES.Observation.resultTime);
    assert.deepEqual(d.observedArea, EXAMPLES.FeatureOfInterest.feature);
    // A Datastream without Observations has no phenomenonTime, resultTime or observedArea yet.
    const empty = await sta.create('Datastreams', datastreamBody('empty stream'));
    const e = await sta.ok(`Datastreams(${empty})`);
    for (const k of ['phenomenonTime', 'resultTime', 'observedArea'])
      assert.ok(e[k] == null, `${k} of an empty Datastream`);
  });

  test('Datastream: read-only phenomenonTime, resultTime and observedArea in a create body are not taken over', async () => {
    const id = await sta.create(
      'Datastreams',
      datastreamBody('read-only members', {
        phenomenonTime: '2000-01-01T00:00:00Z/2000-01-02T00:00:00Z',
        resultTime: '2000-01-01T00:00:00Z/2000-01-02T00:00:00Z',
        observedArea: { type: 'Point', coordinates: [1, 2] },
      }),
    );
    const d = await sta.ok(`Datastreams(${id})`);
    for (const k of ['phenomenonTime', 'resultTime', 'observedArea'])
      assert.ok(d[k] == null, `${k} is the server's`);
  });

  test('MultiDatastream: arrays of units and data types, observationType OM_ComplexObservation (§14.2)', async () => {
    const m = await sta.ok(`MultiDatastreams(${ids.MultiDatastream})`);
    assert.equal(m.observationType, COMPLEX);
    assert.deepEqual(m.multiObservationDataTypes, [MEASUREMENT, MEASUREMENT]);
    assert.equal(m.unitOfMeasurements.length, 2);
    assert.equal(m.unitOfMeasurements[1].symbol, 'degC');
    assert.equal((await sta.ids(`MultiDatastreams(${ids.MultiDatastream})/ObservedProperties`)).length, 2);
  });

  test('Sensor: encodingType and metadata (§8.2.5)', async () => {
    const s = await sta.ok(`Sensors(${ids.Sensor})`);
    for (const k of ['name', 'description', 'encodingType', 'metadata'] as const)
      assert.equal(s[k], EXAMPLES.Sensor[k]);
    const sensorML = {
      ...EXAMPLES.Sensor,
      encodingType: 'http://www.opengis.net/doc/IS/SensorML/2.0',
      metadata: { type: 'PhysicalComponent', identifier: 'urn:x-sensor:tmp36' },
    };
    const id = await sta.create('Sensors', sensorML);
    assert.deepEqual((await sta.ok(`Sensors(${id})`)).metadata, sensorML.metadata);
  });

  test('ObservedProperty: name, definition, description (§8.2.6)', async () => {
    const o = await sta.ok(`ObservedProperties(${ids.ObservedProperty})`);
    for (const k of ['name', 'definition', 'description'] as const)
      assert.equal(o[k], EXAMPLES.ObservedProperty[k]);
  });

  test('Observation: phenomenonTime, resultTime, result; the optional members (§8.2.7)', async () => {
    const o = await sta.ok(`Observations(${ids.Observation})`);
    sameInstant(o.phenomenonTime, EXAMPLES.Observation.phenomenonTime);
    sameInstant(o.resultTime, EXAMPLES.Observation.resultTime);
    assert.match(o.phenomenonTime, /Z$/, 'times are returned in UTC');
    assert.equal(o.result, 70.4);
    const full = await sta.create(`Datastreams(${ids.Datastream})/Observations`, {
      phenomenonTime: '2015-01-01T00:00:00Z/2015-01-01T01:00:00Z',
      resultTime: null,
      result: 3,
      resultQuality: [{ name: 'accuracy', value: 0.5 }],
      validTime: '2015-01-01T00:00:00Z/2016-01-01T00:00:00Z',
      parameters: { method: 'manual', depth: { value: 3, uom: 'm' } },
      FeatureOfInterest: { '@iot.id': ids.FeatureOfInterest },
    });
    const f = await sta.ok(`Observations(${full})`);
    sameInterval(f.phenomenonTime, '2015-01-01T00:00:00Z', '2015-01-01T01:00:00Z');
    assert.equal(f.resultTime, null, 'resultTime may be null (18-088 1.1)');
    assert.deepEqual(f.resultQuality, [{ name: 'accuracy', value: 0.5 }]);
    sameInterval(f.validTime, '2015-01-01T00:00:00Z', '2016-01-01T00:00:00Z');
    assert.deepEqual(f.parameters, { method: 'manual', depth: { value: 3, uom: 'm' } });
  });

  test('Observation: a missing phenomenonTime is the time of creation', async () => {
    const t0 = Date.now();
    const id = await sta.create(`Datastreams(${ids.Datastream})/Observations`, {
      result: 1,
      FeatureOfInterest: { '@iot.id': ids.FeatureOfInterest },
    });
    const o = await sta.ok(`Observations(${id})`);
    const t = Date.parse(o.phenomenonTime);
    assert.ok(
      t >= t0 - 60_000 && t <= Date.now() + 60_000,
      `phenomenonTime ${o.phenomenonTime} is about now`,
    );
  });

  test('Observation: result of any JSON type round-trips unchanged', async () => {
    const results = [
      0,
      -1.5,
      1e21,
      'a text',
      '',
      true,
      false,
      null,
      { a: [1, { b: null }] },
      [1, 'x', false],
    ];
    for (const result of results) {
      const id = await sta.create(`Datastreams(${ids.Datastream})/Observations`, {
        phenomenonTime: '2016-01-01T00:00:00Z',
        result,
        FeatureOfInterest: { '@iot.id': ids.FeatureOfInterest },
      });
      assert.deepEqual((await sta.ok(`Observations(${id})`)).result, result, JSON.stringify(result));
    }
  });

  test('FeatureOfInterest: encodingType and a GeoJSON feature (§8.2.8)', async () => {
    const f = await sta.ok(`FeaturesOfInterest(${ids.FeatureOfInterest})`);
    for (const k of ['name', 'description', 'encodingType', 'feature'] as const) {
      assert.deepEqual(f[k], EXAMPLES.FeatureOfInterest[k], k);
    }
  });

  test('properties objects of every entity type that has one keep any JSON exactly', async () => {
    const bodies: Record<string, Json> = {
      Things: { ...EXAMPLES.Thing, properties: RICH_PROPERTIES },
      Locations: { ...EXAMPLES.Location, properties: RICH_PROPERTIES },
      Sensors: { ...EXAMPLES.Sensor, properties: RICH_PROPERTIES },
      ObservedProperties: { ...EXAMPLES.ObservedProperty, properties: RICH_PROPERTIES },
      FeaturesOfInterest: { ...EXAMPLES.FeatureOfInterest, properties: RICH_PROPERTIES },
      Datastreams: datastreamBody('rich', { properties: RICH_PROPERTIES }),
    };
    for (const [set, body] of Object.entries(bodies)) {
      const id = await sta.create(set, body);
      assert.deepEqual((await sta.ok(`${set}(${id})`)).properties, RICH_PROPERTIES, set);
    }
    const obs = await sta.create(`Datastreams(${ids.Datastream})/Observations`, {
      result: 1,
      parameters: RICH_PROPERTIES,
      FeatureOfInterest: { '@iot.id': ids.FeatureOfInterest },
    });
    assert.deepEqual((await sta.ok(`Observations(${obs})`)).parameters, RICH_PROPERTIES);
  });

  test('properties must be a JSON object', async () => {
    for (const properties of ['text', 5, [1, 2], true]) {
      await expectRejected(sta, () => sta.post('Things', { ...EXAMPLES.Thing, properties }), 'properties');
    }
  });

  test('every mandatory property is required on create: 400 naming it', async () => {
    const links = {
      Thing: { '@iot.id': ids.Thing },
      Sensor: { '@iot.id': ids.Sensor },
      ObservedProperty: { '@iot.id': ids.ObservedProperty },
    };
    const bodies: Record<string, Json> = {
      Things: EXAMPLES.Thing,
      Locations: EXAMPLES.Location,
      Sensors: EXAMPLES.Sensor,
      ObservedProperties: EXAMPLES.ObservedProperty,
      FeaturesOfInterest: EXAMPLES.FeatureOfInterest,
      Datastreams: { ...EXAMPLES.Datastream, ...links },
      Observations: { result: 1, Datastream: { '@iot.id': ids.Datastream } },
    };
    const skip = new Set(['Observations.phenomenonTime', 'Observations.resultTime']); // server-filled / nullable
    for (const [set, body] of Object.entries(bodies)) {
      for (const key of Object.keys(body)) {
        if (skip.has(`${set}.${key}`) || /^[A-Z]/.test(key) || key === 'properties') continue;
        const { [key]: _omitted, ...rest } = body;
        await expectRejected(sta, () => sta.post(set, rest), key);
      }
    }
  });

  test('encodingType of a Location or FeatureOfInterest must be a GeoJSON media type (Table 7)', async () => {
    await expectRejected(
      sta,
      () => sta.post('Locations', { ...EXAMPLES.Location, encodingType: 'text/plain' }),
      'encodingType',
    );
    await expectRejected(
      sta,
      () => sta.post('FeaturesOfInterest', { ...EXAMPLES.FeatureOfInterest, encodingType: 'image/png' }),
      'encodingType',
    );
  });

  test('values of the wrong type are 400 naming the property', async () => {
    const cases: Array<[string, Json, string]> = [
      ['Things', { ...EXAMPLES.Thing, name: 5 }, 'name'],
      ['Things', { ...EXAMPLES.Thing, description: { a: 1 } }, 'description'],
      ['Locations', { ...EXAMPLES.Location, location: { type: 'Point', coordinates: 'here' } }, 'location'],
      ['Locations', { ...EXAMPLES.Location, location: 'POINT(1 2)' }, 'location'],
      ['Datastreams', datastreamBody('bad unit', { unitOfMeasurement: 'degC' }), 'unitOfMeasurement'],
      [
        'Observations',
        { phenomenonTime: 'yesterday', result: 1, Datastream: { '@iot.id': ids.Datastream } },
        'phenomenonTime',
      ],
      [
        'Observations',
        { result: 1, validTime: '2015-01-01T00:00:00Z', Datastream: { '@iot.id': ids.Datastream } },
        'validTime',
      ],
      [
        'Observations',
        {
          result: 1,
          resultTime: '2015-01-01T00:00:00Z/2015-01-02T00:00:00Z',
          Datastream: { '@iot.id': ids.Datastream },
        },
        'resultTime',
      ],
      [
        'Observations',
        { result: 1, parameters: [1], Datastream: { '@iot.id': ids.Datastream } },
        'parameters',
      ],
    ];
    for (const [set, body, field] of cases) await expectRejected(sta, () => sta.post(set, body), field);
  });

  test('unknown members are rejected rather than silently dropped', async () => {
    const p = assertProblem(await sta.post('Things', { ...EXAMPLES.Thing, colour: 'red' }), 400);
    assert.equal(p.field, 'colour');
  });
});
