/**
 * Conformance class "multi-datastream" (OGC 18-088 Annex A.6, §14.2): MultiDatastreams with their
 * ObservedProperties, Observations whose result is an array with one value per unitOfMeasurements entry,
 * the navigation properties the extension adds to Thing, Sensor, ObservedProperty and Observation, and
 * 400 (with nothing written) when the shapes do not match.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertProblem } from '../../../support/assert-problem.ts';
import {
  COMPLEX,
  countRows,
  EXAMPLES,
  expectRejected,
  type Json,
  MEASUREMENT,
  type StaClient,
  sameInterval,
  startStaSuite,
} from '../support/sta-client.ts';

const TRUTH = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_TruthObservation';
const UNITS = [
  { name: 'Dobson unit', symbol: 'DU', definition: 'http://dbpedia.org/page/Dobson_unit' },
  { name: 'Degree Celsius', symbol: 'degC', definition: 'http://dbpedia.org/page/Celsius' },
];

describe('STA conformance: MultiDatastream extension (18-088 §14.2)', () => {
  let sta: StaClient & { dispose(): Promise<void> };
  let thing: number;
  let sensor: number;
  let ozone: number;
  let temperature: number;
  let mds: number;
  let foi: number;

  /** The example of §14.2 with the given ids linked. */
  const multiBody = (extra: Json = {}): Json => ({
    name: 'Air quality readings',
    description: 'Air quality readings',
    observationType: COMPLEX,
    multiObservationDataTypes: [MEASUREMENT, MEASUREMENT],
    unitOfMeasurements: UNITS,
    Thing: { '@iot.id': thing },
    Sensor: { '@iot.id': sensor },
    ObservedProperties: [{ '@iot.id': ozone }, { '@iot.id': temperature }],
    ...extra,
  });

  before(async () => {
    sta = await startStaSuite();
    thing = await sta.create('Things', { ...EXAMPLES.Thing, Locations: [EXAMPLES.Location] });
    sensor = await sta.create('Sensors', EXAMPLES.Sensor);
    ozone = await sta.create('ObservedProperties', {
      name: 'Ozone',
      definition: 'http://dbpedia.org/page/Ozone',
      description: 'Total ozone column',
    });
    temperature = await sta.create('ObservedProperties', {
      name: 'Temperature',
      definition: 'http://dbpedia.org/page/Temperature',
      description: 'Air temperature',
    });
    foi = await sta.create('FeaturesOfInterest', EXAMPLES.FeatureOfInterest);
    mds = await sta.create('MultiDatastreams', multiBody());
  });
  after(() => sta?.dispose());

  test('create by links: the entity, its ObservedProperties and the navigation the extension adds', async () => {
    const m = await sta.ok(`MultiDatastreams(${mds})`);
    assert.equal(m.observationType, COMPLEX);
    assert.deepEqual(m.unitOfMeasurements, UNITS);
    assert.deepEqual(m.multiObservationDataTypes, [MEASUREMENT, MEASUREMENT]);
    for (const nav of ['Thing', 'Sensor', 'ObservedProperties', 'Observations']) {
      assert.equal(m[`${nav}@iot.navigationLink`], `${sta.base}/MultiDatastreams(${mds})/${nav}`);
    }
    assert.deepEqual(
      (await sta.ids(`MultiDatastreams(${mds})/ObservedProperties?$orderby=id`)).sort(),
      [ozone, temperature].sort(),
    );
    assert.equal((await sta.ok(`MultiDatastreams(${mds})/Thing`))['@iot.id'], thing);
    assert.equal((await sta.ok(`MultiDatastreams(${mds})/Sensor`))['@iot.id'], sensor);
    assert.deepEqual(await sta.ids(`Things(${thing})/MultiDatastreams`), [mds]);
    assert.deepEqual(await sta.ids(`Sensors(${sensor})/MultiDatastreams`), [mds]);
    assert.deepEqual(await sta.ids(`ObservedProperties(${ozone})/MultiDatastreams`), [mds]);
    const t = await sta.ok(`Things(${thing})`);
    assert.equal(t['MultiDatastreams@iot.navigationLink'], `${sta.base}/Things(${thing})/MultiDatastreams`);
  });

  test('deep insert: Thing, Sensor and ObservedProperties inline, also under Things(id)/MultiDatastreams', async () => {
    const id = await sta.create('MultiDatastreams', {
      ...multiBody(),
      Thing: { name: 'Station', description: 'Weather station' },
      Sensor: { ...EXAMPLES.Sensor, name: 'Multi sensor' },
      ObservedProperties: [
        {
          name: 'Humidity',
          definition: 'http://dbpedia.org/page/Humidity',
          description: 'Relative humidity',
        },
        { '@iot.id': temperature },
      ],
    });
    const m = await sta.ok(`MultiDatastreams(${id})?$expand=Thing,Sensor,ObservedProperties`);
    assert.equal(m.Thing.name, 'Station');
    assert.equal(m.Sensor.name, 'Multi sensor');
    assert.deepEqual(m.ObservedProperties.map((p: Json) => p.name).sort(), ['Humidity', 'Temperature']);
    const nested = await sta.create(`Things(${thing})/MultiDatastreams`, {
      ...multiBody(),
      Thing: undefined,
      name: 'nested',
    });
    assert.equal((await sta.ok(`MultiDatastreams(${nested})/Thing`))['@iot.id'], thing);
  });

  test('Observations with array results; the MultiDatastream is their navigation parent', async () => {
    const o = await sta.create(`MultiDatastreams(${mds})/Observations`, {
      phenomenonTime: '2024-05-01T12:00:00Z',
      result: [312.5, 21.25],
      FeatureOfInterest: { '@iot.id': foi },
    });
    const got = await sta.ok(`Observations(${o})`);
    assert.deepEqual(got.result, [312.5, 21.25]);
    assert.equal(got['MultiDatastream@iot.navigationLink'], `${sta.base}/Observations(${o})/MultiDatastream`);
    assert.equal((await sta.ok(`Observations(${o})/MultiDatastream`))['@iot.id'], mds);
    const linked = await sta.create('Observations', {
      phenomenonTime: '2024-05-01T13:00:00Z',
      result: [300, 22],
      MultiDatastream: { '@iot.id': mds },
    });
    assert.deepEqual(await sta.ids(`MultiDatastreams(${mds})/Observations?$orderby=phenomenonTime`), [
      o,
      linked,
    ]);
    // Without a FeatureOfInterest, one is generated from the Thing's Location as for a Datastream.
    const f = await sta.ok(`Observations(${linked})/FeatureOfInterest`);
    assert.deepEqual(f.feature, EXAMPLES.Location.location);
    // Filters reach into the MultiDatastream and the array.
    assert.deepEqual(
      await sta.ids(
        `Observations?$filter=MultiDatastream/id eq ${mds} and phenomenonTime gt 2024-05-01T12:30:00Z`,
      ),
      [linked],
    );
    const m = await sta.ok(`MultiDatastreams(${mds})`);
    sameInterval(m.phenomenonTime, '2024-05-01T12:00:00Z', '2024-05-01T13:00:00Z');
  });

  test('a result array of the wrong length, or no array, is 400 naming result and writes nothing', async () => {
    for (const result of [[1], [1, 2, 3], 5, 'x', null, { a: 1 }]) {
      await expectRejected(
        sta,
        () =>
          sta.post(`MultiDatastreams(${mds})/Observations`, {
            result,
            FeatureOfInterest: { '@iot.id': foi },
          }),
        'result',
      );
    }
    const first = (await sta.ids(`MultiDatastreams(${mds})/Observations`))[0]!;
    await expectRejected(sta, () => sta.patch(`Observations(${first})`, { result: [1] }), 'result');
  });

  test('an Observation belongs to a Datastream or a MultiDatastream, not both', async () => {
    const ds = await sta.create('Datastreams', {
      ...EXAMPLES.Datastream,
      Thing: { '@iot.id': thing },
      Sensor: { '@iot.id': sensor },
      ObservedProperty: { '@iot.id': ozone },
    });
    await expectRejected(
      sta,
      () =>
        sta.post('Observations', {
          result: [1, 2],
          Datastream: { '@iot.id': ds },
          MultiDatastream: { '@iot.id': mds },
          FeatureOfInterest: { '@iot.id': foi },
        }),
      /Datastream/,
    );
  });

  test('the number of unitOfMeasurements, multiObservationDataTypes and ObservedProperties must agree', async () => {
    await expectRejected(
      sta,
      () => sta.post('MultiDatastreams', multiBody({ unitOfMeasurements: [UNITS[0]] })),
      /unitOfMeasurements|ObservedProperties/,
    );
    await expectRejected(
      sta,
      () => sta.post('MultiDatastreams', multiBody({ multiObservationDataTypes: [MEASUREMENT] })),
      /multiObservationDataTypes/,
    );
    await expectRejected(
      sta,
      () => sta.post('MultiDatastreams', multiBody({ ObservedProperties: [{ '@iot.id': ozone }] })),
      /ObservedProperties|unitOfMeasurements/,
    );
    await expectRejected(
      sta,
      () => sta.post('MultiDatastreams', multiBody({ ObservedProperties: [] })),
      /ObservedProperties/,
    );
  });

  test('observationType is OM_ComplexObservation; the data types are observation types', async () => {
    await expectRejected(
      sta,
      () => sta.post('MultiDatastreams', multiBody({ observationType: MEASUREMENT })),
      'observationType',
    );
    const truth = await sta.create(
      'MultiDatastreams',
      multiBody({ multiObservationDataTypes: [MEASUREMENT, TRUTH] }),
    );
    assert.deepEqual((await sta.ok(`MultiDatastreams(${truth})`)).multiObservationDataTypes, [
      MEASUREMENT,
      TRUTH,
    ]);
    await expectRejected(
      sta,
      () => sta.post('MultiDatastreams', multiBody({ multiObservationDataTypes: 'x' })),
      'multiObservationDataTypes',
    );
    await expectRejected(
      sta,
      () => sta.post('MultiDatastreams', multiBody({ unitOfMeasurements: {} })),
      'unitOfMeasurements',
    );
  });

  test('$expand and $filter work across the extension', async () => {
    const t = await sta.ok(
      `Things(${thing})?$expand=MultiDatastreams($filter=id eq ${mds};$expand=ObservedProperties($orderby=name))`,
    );
    assert.equal(t.MultiDatastreams.length, 1);
    assert.deepEqual(
      t.MultiDatastreams[0].ObservedProperties.map((p: Json) => p.name),
      ['Ozone', 'Temperature'],
    );
    assert.deepEqual(
      await sta.ids(`MultiDatastreams?$filter=ObservedProperties/name eq 'Ozone' and id eq ${mds}`),
      [mds],
    );
  });

  test('deleting a MultiDatastream deletes its Observations; deleting one of its ObservedProperties deletes it', async () => {
    const id = await sta.create('MultiDatastreams', multiBody({ name: 'short-lived' }));
    const o = await sta.create(`MultiDatastreams(${id})/Observations`, {
      result: [1, 2],
      FeatureOfInterest: { '@iot.id': foi },
    });
    assert.equal((await sta.del(`MultiDatastreams(${id})`)).status, 200);
    assertProblem(await sta.get(`Observations(${o})`), 404);
    await sta.ok(`Things(${thing})`);
    await sta.ok(`ObservedProperties(${ozone})`);

    const extra = await sta.create('ObservedProperties', {
      name: 'Extra',
      definition: 'urn:x',
      description: 'extra',
    });
    const doomed = await sta.create(
      'MultiDatastreams',
      multiBody({ ObservedProperties: [{ '@iot.id': ozone }, { '@iot.id': extra }] }),
    );
    const before = await countRows(sta.platform);
    assert.equal((await sta.del(`ObservedProperties(${extra})`)).status, 200);
    assertProblem(await sta.get(`MultiDatastreams(${doomed})`), 404);
    assert.equal((await countRows(sta.platform)).multi_datastreams, before.multi_datastreams! - 1);
    await sta.ok(`MultiDatastreams(${mds})`);
  });
});
