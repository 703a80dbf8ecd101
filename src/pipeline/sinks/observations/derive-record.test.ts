import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { validateObservationsConfig } from './observations-config.ts';
import { prepareObservationsSink } from './observations-sink.ts';
import { mappedNeutorRecords, neutorConfig, weatherSchema, weatherTarget } from './test-fixtures.ts';

const config = validateObservationsConfig(neutorConfig, weatherSchema, 'sinks[0]');
const sink = prepareObservationsSink(weatherTarget(), config);

describe('observations sink: check and describe (no database)', () => {
  let records: Record<string, unknown>[];
  before(async () => {
    records = await mappedNeutorRecords();
  });

  test('every mapped Neutor record with a value passes; the empty hour of the DST change has no Observation', () => {
    assert.equal(records.length, 12);
    const rejected = records.flatMap((r, i) => (sink.check(r).length > 0 ? [i] : []));
    assert.deepEqual(rejected, [8]);
    assert.deepEqual(sink.check(records[8]!), [
      {
        rule: 'datastreams',
        message: 'no Observation: none of temperature, windSpeed, weatherType has a value',
      },
    ]);
  });

  test('describe shows the Thing, the Datastreams and the results', () => {
    assert.deepEqual(sink.describe!(records[0]!), {
      thing: {
        key: 'Neutor',
        name: 'Weather station Neutor',
        location: { type: 'Point', coordinates: [7.6196, 51.9625] },
      },
      phenomenonTime: '2015-12-31T23:00:00.000Z',
      featureOfInterest: "generated from the Thing's Location",
      datastreams: [
        { key: 'temperature', name: 'Weather station Neutor air temperature', result: 3 },
        { key: 'windSpeed', name: 'Weather station Neutor wind speed', result: 2.5 },
        { key: 'weatherType', name: 'Weather station Neutor weather type', result: 'Klarer Himmel' },
      ],
    });
  });

  const reasons = (change: (r: Record<string, unknown>) => void) => {
    const r = structuredClone(records[0]!);
    change(r);
    return sink.check(r);
  };

  test('a missing or empty key, a bad time or geometry is a reason naming field and rule', () => {
    assert.deepEqual(
      reasons((r) => delete (r.address as Record<string, unknown>).streetAddress),
      [
        {
          field: 'address.streetAddress',
          rule: 'thing.key',
          message: 'address.streetAddress is missing: it identifies the Thing',
        },
      ],
    );
    assert.equal(
      reasons((r) => ((r.address as Record<string, unknown>).streetAddress = '  '))[0]?.rule,
      'thing.key',
    );
    const time = reasons((r) => (r.dateObserved = '1/1/2016 0:00'));
    assert.deepEqual([time[0]?.field, time[0]?.rule], ['dateObserved', 'phenomenonTime']);
    assert.match(time[0]!.message, /ISO 8601/);
    assert.deepEqual(reasons((r) => delete r.dateObserved)[0]?.message, 'dateObserved is missing');
    const geo = reasons((r) => (r.location = { type: 'Point', coordinates: [7.6] }));
    assert.deepEqual([geo[0]?.field, geo[0]?.rule], ['location', 'thing.location']);
    assert.match(
      reasons((r) => delete r.location)[0]!.message,
      /location is missing: the Observations need a FeatureOfInterest/,
    );
  });

  test('a result that does not fit the observation type is a reason; a missing one only drops its Observation', () => {
    const bad = reasons((r) => (r.temperature = '3,5'));
    assert.deepEqual(bad, [
      {
        field: 'temperature',
        rule: 'datastreams[0].result',
        message: 'temperature must be a number (OM_Measurement)',
      },
    ]);
    assert.deepEqual(
      reasons((r) => delete r.temperature),
      [],
    );
    const d = (() => {
      const r = structuredClone(records[0]!);
      r.windSpeed = null;
      return sink.describe!(r) as { datastreams: Array<{ key: string }> };
    })();
    assert.deepEqual(
      d.datastreams.map((x) => x.key),
      ['temperature', 'weatherType'],
    );
  });

  test('a record that yields no Observation at all is rejected', () => {
    const none = reasons((r) => {
      delete r.temperature;
      delete r.windSpeed;
      delete r.weatherType;
    });
    assert.deepEqual(none, [
      {
        rule: 'datastreams',
        message: 'no Observation: none of temperature, windSpeed, weatherType has a value',
      },
    ]);
  });

  test('with an explicit featureOfInterest the Thing location may be absent', () => {
    const cfg = validateObservationsConfig(
      { ...neutorConfig, featureOfInterest: { geometry: 'location', name: 'Around {@thing}' } },
      weatherSchema,
      's',
    );
    const s = prepareObservationsSink(weatherTarget(), cfg);
    const d = s.describe!(records[1]!) as { featureOfInterest: { name: string } };
    assert.equal(d.featureOfInterest.name, 'Around Weather station Neutor');
    const r = structuredClone(records[1]!);
    delete r.location;
    assert.equal(s.check(r)[0]?.rule, 'featureOfInterest.geometry');
  });
});
