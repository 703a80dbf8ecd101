import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isDomainError } from '../../../core/errors/domain-error.ts';
import { validateObservationsConfig } from './observations-config.ts';
import { neutorConfig, weatherSchema } from './test-fixtures.ts';

const OM = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/';

function rejects(config: unknown, field: string, message?: RegExp): void {
  assert.throws(
    () => validateObservationsConfig(config, weatherSchema, 'sinks[1]'),
    (err: unknown) => {
      assert.ok(isDomainError(err), String(err));
      assert.equal(err.status, 400);
      assert.equal(err.extensions.field, field, err.message);
      if (message) assert.match(err.message, message);
      return true;
    },
  );
}

// biome-ignore lint/suspicious/noExplicitAny: the tests break configs on purpose
type Loose = any;
const edit = (f: (c: Loose) => void) => {
  const c = structuredClone(neutorConfig) as Loose;
  f(c);
  return c;
};

describe('validateObservationsConfig', () => {
  test('accepts the Neutor config against the imported WeatherObserved structure and fills defaults', () => {
    const c = validateObservationsConfig(neutorConfig, weatherSchema, 'sinks[1]');
    assert.deepEqual(
      c.datastreams.map((d) => [d.key, d.observationType]),
      [
        ['temperature', `${OM}OM_Measurement`],
        ['windSpeed', `${OM}OM_Measurement`],
        ['weatherType', `${OM}OM_CategoryObservation`],
      ],
    );
    assert.deepEqual(c.datastreams[2]!.unitOfMeasurement, { name: null, symbol: null, definition: null });
    assert.equal(c.datastreams[0]!.observedProperty.description, '');
    assert.equal(Object.hasOwn(neutorConfig.datastreams[0]!.observedProperty, 'description'), false);
  });

  test('names the member of a shape error', () => {
    rejects({ ...neutorConfig, thing: { name: 'x' } }, 'sinks[1].thing.key', /is required/);
    rejects({ ...neutorConfig, datastreams: [] }, 'sinks[1].datastreams');
    rejects(
      edit((c) => Object.assign(c.datastreams[1]!, { colour: 'red' })),
      'sinks[1].datastreams[1].colour',
    );
    rejects(
      edit((c) => Object.assign(c.datastreams[0]!, { observationType: 'OM_Temp' })),
      'sinks[1].datastreams[0].observationType',
    );
    rejects('x', 'sinks[1]', /must be an object/);
    rejects({ ...neutorConfig, sensor: { name: 'DHT22', metadata: null } }, 'sinks[1].sensor.metadata');
    const withKind = validateObservationsConfig(
      { kind: 'observations', ...neutorConfig },
      weatherSchema,
      's',
    );
    assert.equal('kind' in withKind, false);
  });

  test('names the member that refers to a field the structure does not have', () => {
    rejects(
      edit((c) => (c.thing.key = 'stationId')),
      'sinks[1].thing.key',
      /'stationId'/,
    );
    rejects(
      edit((c) => (c.phenomenonTime = 'observedAt')),
      'sinks[1].phenomenonTime',
    );
    rejects(
      edit((c) => (c.datastreams[1]!.result = 'windspeed')),
      'sinks[1].datastreams[1].result',
    );
    rejects(
      edit((c) => (c.thing.name = 'Station {adress.streetAddress}')),
      'sinks[1].thing.name',
      /adress/,
    );
    rejects(
      edit((c) => (c.thing.properties = { city: '{town}' })),
      'sinks[1].thing.properties.city',
    );
    rejects(
      { ...neutorConfig, featureOfInterest: { geometry: 'geo' } },
      'sinks[1].featureOfInterest.geometry',
    );
  });

  test('checks field types, templates, keys and units', () => {
    rejects(
      edit((c) => (c.thing.location = 'temperature')),
      'sinks[1].thing.location',
      /holds number/,
    );
    rejects(
      edit((c) => (c.thing.key = 'location')),
      'sinks[1].thing.key',
    );
    rejects(
      edit((c) => (c.thing.name = 'Station {name')),
      'sinks[1].thing.name',
      /unbalanced/,
    );
    rejects(
      edit((c) => (c.thing.properties = { urbsKey: 'x' })),
      'sinks[1].thing.properties.urbsKey',
      /reserved/,
    );
    rejects(
      edit((c) => c.datastreams.push({ ...c.datastreams[0]! })),
      'sinks[1].datastreams[3].key',
      /already the key of datastreams\[0\]/,
    );
    rejects(
      edit((c) => delete (c.datastreams[0] as { unitOfMeasurement?: unknown }).unitOfMeasurement),
      'sinks[1].datastreams[0].unitOfMeasurement',
    );
    rejects(
      edit((c) => delete (c.thing as { location?: string }).location),
      'sinks[1].thing.location',
      /FeatureOfInterest/,
    );
  });

  test('the Thing name ({@thing}) may be used in Datastream and FeatureOfInterest templates only', () => {
    const ok = { ...neutorConfig, featureOfInterest: { geometry: 'location', name: 'Around {@thing}' } };
    assert.ok(validateObservationsConfig(ok, weatherSchema, 's'));
    rejects(
      edit((c) => (c.thing.description = '{@thing}')),
      'sinks[1].thing.description',
    );
  });
});
