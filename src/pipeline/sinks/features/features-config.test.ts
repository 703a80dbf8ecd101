import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isDomainError } from '../../../core/errors/domain-error.ts';
import { importSmartDataModel } from '../../../structures/import-smart-data-model.ts';
import {
  baseColumnName,
  columnTypeOf,
  topLevelProperties,
  uniqueColumnName,
  validateFeaturesConfig,
} from './index.ts';

const parking = importSmartDataModel('OffStreetParking').schema;
const weather = importSmartDataModel('WeatherObserved').schema;
const plain = {
  type: 'object',
  properties: { name: { type: 'string' }, geometry: { type: 'object' }, extra: {} },
};

function refusal(config: unknown, schema: Record<string, unknown>, field: string, message: RegExp) {
  assert.throws(
    () => validateFeaturesConfig(config, schema, 'sinks[1]'),
    (err: unknown) => {
      assert.ok(isDomainError(err));
      assert.equal(err.status, 400);
      assert.equal(err.extensions.field, field);
      assert.match(err.message, message);
      return true;
    },
  );
}

describe('features sink config', () => {
  test('defaults: id and location when the structure has them (through allOf/$ref of Smart Data Models)', () => {
    assert.deepEqual(validateFeaturesConfig({ kind: 'features' }, parking, 'sinks[0]'), {
      idField: 'id',
      geometryField: 'location',
      timeField: null,
      mode: 'upsert',
    });
    assert.deepEqual(validateFeaturesConfig({}, weather, 'sinks[0]'), {
      idField: 'id',
      geometryField: 'location',
      timeField: 'dateObserved',
      mode: 'upsert',
    });
    assert.deepEqual(validateFeaturesConfig({}, plain, 'sinks[0]'), {
      idField: null,
      geometryField: null,
      timeField: null,
      mode: 'append',
    });
    assert.deepEqual(validateFeaturesConfig({ geometryField: 'geometry', idField: 'name' }, plain, 's'), {
      idField: 'name',
      geometryField: 'geometry',
      timeField: null,
      mode: 'upsert',
    });
    assert.deepEqual(
      validateFeaturesConfig(
        { geometryField: null, mode: 'append', timeField: 'dateModified' },
        parking,
        's',
      ),
      { idField: 'id', geometryField: null, timeField: 'dateModified', mode: 'append' },
    );
    assert.equal(validateFeaturesConfig({ timeField: null }, weather, 's').timeField, null);
  });

  test('refusals name the member', () => {
    refusal({ idfield: 'id' }, parking, 'sinks[1].idfield', /not a member of a features sink/);
    refusal({ idField: 'identifier' }, parking, 'sinks[1].idField', /has no field identifier/);
    refusal({ idField: 'a..b' }, parking, 'sinks[1].idField', /dotted field path/);
    refusal({ idField: 7 }, parking, 'sinks[1].idField', /dotted field path/);
    refusal({ idField: 'category' }, parking, 'sinks[1].idField', /string or integer or number/);
    refusal({ geometryField: 'name' }, parking, 'sinks[1].geometryField', /able to hold object/);
    refusal({ geometryField: 'nowhere' }, parking, 'sinks[1].geometryField', /has no field nowhere/);
    refusal({ mode: 'merge' }, parking, 'sinks[1].mode', /one of upsert, append/);
    refusal({ mode: 'upsert' }, plain, 'sinks[1].mode', /upsert needs an idField/);
    refusal({ idField: 'extra', geometryField: 'extra' }, plain, 'sinks[1].geometryField', /differ/);
    refusal([], parking, 'sinks[1]', /must be an object/);
    refusal({ timeField: 'name' }, parking, 'sinks[1].timeField', /format date-time or date/);
    refusal({ timeField: 'address.x' }, parking, 'sinks[1].timeField', /top-level property/);
  });
});

describe('features table columns', () => {
  test('names are snake_case ASCII; reserved and taken names get a suffix', () => {
    assert.equal(baseColumnName('availableSpotNumber'), 'available_spot_number');
    assert.equal(baseColumnName('Neutor (gesamt)'), 'neutor_gesamt');
    assert.equal(baseColumnName('Windstärke (km/h)'), 'windstarke_km_h');
    assert.equal(baseColumnName('Straße'), 'strasse');
    assert.equal(baseColumnName('@context'), 'context');
    assert.equal(baseColumnName('2ndFloor'), 'p_2nd_floor');
    assert.equal(baseColumnName('°'), 'property');
    assert.equal(baseColumnName('HTTPStatus'), 'http_status');
    assert.equal(baseColumnName('x'.repeat(80)).length, 50);
    assert.equal(uniqueColumnName('record', new Set()), 'record_2');
    assert.equal(uniqueColumnName('xmin', new Set()), 'xmin_2');
    assert.equal(uniqueColumnName('fooBar', new Set(['foo_bar', 'foo_bar_2'])), 'foo_bar_3');
  });

  test('types follow the JSON Schema types and formats, through $ref and anyOf', () => {
    const types = (schema: Record<string, unknown>) =>
      Object.fromEntries([...topLevelProperties(schema)].map(([p, s]) => [p, columnTypeOf(s)]));
    const w = types(weather);
    assert.equal(w.temperature, 'double precision');
    assert.equal(w.dateObserved, 'timestamptz');
    assert.equal(w.id, 'text');
    assert.equal(w.location, 'jsonb');
    assert.equal(w.address, 'jsonb');
    assert.deepEqual(
      types({
        type: 'object',
        properties: {
          a: { type: ['string', 'null'], format: 'date' },
          b: { type: ['integer', 'number'] },
          c: { type: ['integer', 'string'] },
          d: {},
          e: { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'string' }] },
          f: { const: true },
        },
      }),
      { a: 'date', b: 'double precision', c: 'jsonb', d: 'jsonb', e: 'text', f: 'boolean' },
    );
  });
});
